import { defineEvent, type DomainEvent } from '@eventsource/core';
/**
 * One way of moving messages through a broker, end to end: publish on one side, handle on the
 * other, in the same process. The bus workload drives every implementation identically; a new bus
 * (RabbitMQ, Redis Streams, ...) joins the suite by implementing this twice, once for the library's
 * `EventBus` and once for the raw client doing the same (same batch size, same acknowledgements),
 * and adding a `BusComparison` to `workloads/buses.ts`.
 */
export interface BusDriver {
  /** `raw` or `library` (the variant name in the results). */
  readonly name: string;
  /** Settings that must match between the drivers of one comparison, for the results file. */
  readonly settings: Readonly<Record<string, string | number>>;
  /**
   * Creates the topic/queue (names unique to `runId`), connects the producer, starts consuming, and
   * resolves once the consumer is ready to receive. Untimed.
   */
  setup(runId: string): Promise<void>;
  /**
   * Registers the consumer-side callback: called once per handled message with the
   * `performance.now()` timestamp the publisher put in its payload. Set before `setup`.
   */
  onHandled(listener: (sentAt: number) => void): void;
  /**
   * Publishes `count` messages numbered from `firstIndex` in one batch (one produce request where
   * the client allows), each stamped with `performance.now()` when built; resolves once the broker
   * acknowledged them.
   */
  publishBatch(count: number, firstIndex: number): Promise<void>;
  /** Stops consuming, disconnects, deletes what `setup` created. Safe to call after a failed setup. */
  teardown(): Promise<void>;
}

/** The message every bus carries: about 60 bytes of JSON data, plus the publish timestamp. */
export interface BusPayload {
  readonly id: number;
  readonly description: string;
  readonly sentAt: number;
}

/** Messages are spread over this many keys (aggregate ids), so partitioned buses use every partition. */
export const BUS_KEYS = 64;

export const busKey = (index: number): string => `bench-${index % BUS_KEYS}`;

/** The event the library drivers publish (one definition, so every bus carries the same). */
export const BusMessage = defineEvent<BusPayload, 'BenchMessage'>('BenchMessage', {
  aggregateType: 'BenchBus',
});

/** A library driver's batch: `count` events numbered from `firstIndex`, stamped with the publish time. */
export function busMessages(count: number, firstIndex: number): DomainEvent[] {
  const events = new Array<DomainEvent>(count);
  for (let offset = 0; offset < count; offset += 1) {
    const index = firstIndex + offset;
    events[offset] = BusMessage.create(
      { id: index, description: 'something weird', sentAt: performance.now() },
      { aggregateId: busKey(index) },
    );
  }
  return events;
}
