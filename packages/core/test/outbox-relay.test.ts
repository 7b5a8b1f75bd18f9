import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  exponentialBackoff,
  InMemoryEventBus,
  InMemoryOutboxRepository,
  InvalidArgumentError,
  OutboxRelay,
  type DomainEvent,
} from '../src/index.ts';
import { getOpenTelemetryApi, stampTraceContext } from '../src/observability/index.ts';
import { captureTelemetry, linksTo, TaskCreated, type TelemetryCapture } from './support.ts';

describe('OutboxRelay', () => {
  let telemetry: TelemetryCapture;
  beforeAll(() => {
    telemetry = captureTelemetry();
  });
  afterAll(async () => telemetry.shutdown());
  beforeEach(() => telemetry.reset());

  /** Events as a store would have written them: carrying the trace of the request that appended them. */
  const storedInRequest = (count: number): DomainEvent[] => {
    const api = getOpenTelemetryApi()!;
    return api.trace.getTracer('test').startActiveSpan('request', (span) => {
      const events = stampTraceContext(
        Array.from({ length: count }, (_, index) =>
          TaskCreated.create({ title: `t${index}` }, { aggregateId: `task-${index}` }),
        ),
      );
      span.end();
      return events;
    });
  };

  it('publishes pending rows, marks them published, and continues each event trace', async () => {
    const outbox = new InMemoryOutboxRepository();
    const bus = new InMemoryEventBus();
    const received: string[] = [];
    bus.subscribeAll((event) => void received.push(event.aggregateId));
    await outbox.add(storedInRequest(2));
    const relay = new OutboxRelay({ outbox, publisher: bus });
    expect(await relay.runOnce()).toBe(2);
    expect(received).toEqual(['task-0', 'task-1']);
    expect(await outbox.countPending()).toBe(0);
    const request = telemetry.span('request');
    const relaySpan = telemetry.span('eventsource.outbox.relay');
    expect(linksTo(relaySpan, request)).toBe(true);
    const dispatches = telemetry.spansNamed('eventsource.event_bus.dispatch');
    expect(dispatches.every((span) => span.spanContext().traceId === request.spanContext().traceId)).toBe(
      true,
    );
    expect(await relay.runOnce()).toBe(0);
  });

  it('publishes a batch in its own trace in link mode', async () => {
    const outbox = new InMemoryOutboxRepository();
    const published: number[] = [];
    await outbox.add(storedInRequest(3));
    const relay = new OutboxRelay({
      outbox,
      publisher: { publish: async (events) => void published.push(events.length) },
      propagation: 'link',
    });
    expect(await relay.runOnce()).toBe(3);
    expect(published).toEqual([3]);
  });

  it('retries failed publishes with back-off and gives up after the last retry', async () => {
    const outbox = new InMemoryOutboxRepository();
    await outbox.add(storedInRequest(1));
    let calls = 0;
    const relay = new OutboxRelay({
      outbox,
      publisher: {
        publish: async () => {
          calls += 1;
          throw new Error('broker down');
        },
      },
      retryPolicy: exponentialBackoff({ maxRetries: 1, initialDelayMs: 30, jitter: 0 }),
    });
    expect(await relay.runOnce()).toBe(0);
    expect(await relay.runOnce()).toBe(0);
    expect(calls).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await relay.runOnce()).toBe(0);
    expect(calls).toBe(2);
    const [entry] = outbox.entries();
    expect(entry).toMatchObject({ status: 'failed', attempts: 2, lastError: 'broker down' });
    expect(await outbox.countPending()).toBe(0);
  });

  it('runs as a loop until stopped, and in link mode a failing batch is retried', async () => {
    const outbox = new InMemoryOutboxRepository();
    const bus = new InMemoryEventBus();
    const received: string[] = [];
    bus.subscribeAll((event) => void received.push(event.aggregateId));
    const relay = new OutboxRelay({ outbox, publisher: bus, maxPollIntervalMs: 20 });
    relay.start();
    relay.start();
    await outbox.add(storedInRequest(2));
    for (let waited = 0; received.length < 2 && waited < 2000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await relay.stop();
    await relay.stop();
    expect(received).toEqual(['task-0', 'task-1']);
    const failingOutbox = new InMemoryOutboxRepository();
    await failingOutbox.add(storedInRequest(2));
    const failing = new OutboxRelay({
      outbox: failingOutbox,
      propagation: 'link',
      publisher: { publish: () => Promise.reject(new Error('down')) },
    });
    expect(await failing.runOnce()).toBe(0);
    expect(failingOutbox.entries().every((entry) => entry.attempts === 1 && entry.status === 'pending')).toBe(
      true,
    );
    expect(() => new OutboxRelay({ outbox, publisher: bus, batchSize: 0 })).toThrow(InvalidArgumentError);
  });

  it('keeps an aggregate in order when one of its events fails to publish', async () => {
    const outbox = new InMemoryOutboxRepository();
    const events = storedInRequest(1);
    const [first] = events;
    const second = TaskCreated.create(
      { title: 'second' },
      { aggregateId: first!.aggregateId, aggregateVersion: 2 },
    );
    const third = TaskCreated.create(
      { title: 'third' },
      { aggregateId: first!.aggregateId, aggregateVersion: 3 },
    );
    await outbox.add([first!, second, third]);
    const published: number[] = [];
    let failOnce = true;
    const relay = new OutboxRelay({
      outbox,
      leaseMs: 20,
      retryPolicy: exponentialBackoff({ maxRetries: 3, initialDelayMs: 30, jitter: 0 }),
      publisher: {
        publish: async ([event]) => {
          if (failOnce) {
            failOnce = false;
            throw new Error('broker hiccup');
          }
          published.push(event!.aggregateVersion);
        },
      },
    });
    expect(await relay.runOnce()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await relay.runOnce()).toBe(3);
    expect(published).toEqual([1, 2, 3]);
  });

  it('continues the stored trace even with its own tracing off', async () => {
    const outbox = new InMemoryOutboxRepository();
    const bus = new InMemoryEventBus();
    bus.subscribeAll(() => undefined);
    await outbox.add(storedInRequest(1));
    await new OutboxRelay({ outbox, publisher: bus, enableTracing: false }).runOnce();
    expect(telemetry.spansNamed('eventsource.outbox.relay')).toHaveLength(0);
    expect(telemetry.span('eventsource.event_bus.dispatch').spanContext().traceId).toBe(
      telemetry.span('request').spanContext().traceId,
    );
  });
});
