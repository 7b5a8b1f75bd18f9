import type { EachMessagePayload, KafkaMessage } from 'kafkajs';
import { sleep } from '@eventsource/core';
import type { MessagePipeline } from '@eventsource/core/kit';
import type { ConsumerLagTracker } from './consumer-lag.ts';

/** The driver's side of a consumed message, handed back when it is dead-lettered. */
export interface DeliveredKafkaMessage {
  readonly partition: number;
  readonly message: KafkaMessage;
  readonly heartbeat: () => Promise<void>;
}

/**
 * The pipeline's back-off wait for Kafka: slept in slices of `heartbeatIntervalMs`, heartbeating
 * after each so the group does not evict this member while a message waits for its retry.
 */
export function heartbeatingWait(
  heartbeatIntervalMs: number,
): (delayMs: number, signal: AbortSignal, delivered: DeliveredKafkaMessage) => Promise<void> {
  return async (delayMs, signal, delivered) => {
    const deadline = performance.now() + delayMs;
    for (;;) {
      const remaining = deadline - performance.now();
      if (remaining <= 0 || signal.aborted) return;
      await sleep(Math.min(remaining, heartbeatIntervalMs), signal);
      if (!signal.aborted) await delivered.heartbeat();
    }
  };
}

export interface KafkaMessageProcessorOptions {
  readonly pipeline: MessagePipeline<DeliveredKafkaMessage>;
  readonly lag: ConsumerLagTracker;
  /** Aborted when consumption stops: back-off waits end and the message is left for redelivery. */
  readonly stopping: () => AbortSignal;
}

/**
 * kafkajs' `eachMessage` in the kit's terms: the message goes through core's {@link MessagePipeline}
 * (consumer span, decode, dispatch, retries, DLQ) while the partition waits — a retry holds the
 * partition rather than republishing — and back-off waits heartbeat. A rejection (consumption
 * stopped, or the DLQ could not be written) leaves the offset unresolved, so it is redelivered.
 */
export class KafkaMessageProcessor {
  readonly #options: KafkaMessageProcessorOptions;

  constructor(options: KafkaMessageProcessorOptions) {
    this.#options = options;
  }

  async process({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const key = message.key === null ? undefined : message.key.toString('utf8');
    await this.#options.pipeline.process(
      {
        value: message.value,
        headers: message.headers,
        destination: topic,
        partition,
        ...(key === undefined ? {} : { key }),
        attributes: {
          'messaging.destination.partition.id': String(partition),
          'messaging.kafka.offset': Number(message.offset),
          'messaging.kafka.message.key': key,
        },
      },
      { partition, message, heartbeat },
      this.#options.stopping(),
    );
    this.#options.lag.processed(partition, message.offset);
  }
}
