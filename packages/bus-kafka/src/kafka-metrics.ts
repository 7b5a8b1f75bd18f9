import type { Counter, Histogram, Meter, ObservableGauge, ObservableResult } from '@opentelemetry/api';
import { errorTypeOf } from '@eventsource/core';
import {
  ATTR_EVENT_TYPE,
  ATTR_HANDLER_NAME,
  ATTR_MESSAGING_DESTINATION,
  ATTR_MESSAGING_SYSTEM,
  lazyInstruments,
  SemanticAttributes,
  type MetricsOptions,
} from '@eventsource/core/observability';
import { VERSION } from './version.ts';

/** The `kafka.eventbus.*` catalogue (TELEMETRY.md; the names are the seed's). */
export const KafkaMetricNames = {
  messagesPublished: 'kafka.eventbus.messages.published',
  messagesConsumed: 'kafka.eventbus.messages.consumed',
  handlerInvocations: 'kafka.eventbus.handler.invocations',
  handlerErrors: 'kafka.eventbus.handler.errors',
  messagesDlq: 'kafka.eventbus.messages.dlq',
  connectionErrors: 'kafka.eventbus.connection.errors',
  reconnections: 'kafka.eventbus.reconnections',
  rebalances: 'kafka.eventbus.rebalances',
  publishErrors: 'kafka.eventbus.publish.errors',
  publishDuration: 'kafka.eventbus.publish.duration',
  consumeDuration: 'kafka.eventbus.consume.duration',
  handlerDuration: 'kafka.eventbus.handler.duration',
  batchSize: 'kafka.eventbus.batch.size',
  connectionsActive: 'kafka.eventbus.connections.active',
  consumerLag: 'kafka.eventbus.consumer.lag',
} as const;

/** Attribute keys on the metrics above. */
export const KafkaMetricAttributes = {
  messagingSystem: ATTR_MESSAGING_SYSTEM,
  messagingDestination: ATTR_MESSAGING_DESTINATION,
  eventType: ATTR_EVENT_TYPE,
  partition: 'messaging.destination.partition.id',
  consumerGroup: SemanticAttributes.messagingConsumerGroupName,
  handlerName: ATTR_HANDLER_NAME,
  errorType: SemanticAttributes.errorType,
  dlqReason: 'eventsource.dlq.reason',
} as const;

/** One partition's lag as the consumer-lag gauge reports it. */
export interface LagReading {
  readonly partition: number;
  readonly lag: number;
}

/** What the gauges read from the bus at collection time. */
export interface KafkaGaugeSources {
  readonly topic: string;
  readonly consumerGroup: string;
  /** Connected kafkajs clients of the bus (producer, consumer, admin). */
  activeConnections(): number;
  /** Lag per assigned partition; may refresh from the broker first. */
  lagReadings(): Promise<readonly LagReading[]>;
}

interface Instruments {
  readonly published: Counter;
  readonly consumed: Counter;
  readonly handlerInvocations: Counter;
  readonly handlerErrors: Counter;
  readonly dlq: Counter;
  readonly connectionErrors: Counter;
  readonly reconnections: Counter;
  readonly rebalances: Counter;
  readonly publishErrors: Counter;
  readonly publishDuration: Histogram;
  readonly consumeDuration: Histogram;
  readonly handlerDuration: Histogram;
  readonly batchSize: Histogram;
  readonly gauges: readonly [ObservableGauge, (result: ObservableResult) => void | Promise<void>][];
}

const DURATION_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1_000, 2_500, 5_000, 10_000];
const SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000];

/**
 * The bus's instruments, created on first use per meter provider (scope `@eventsource/bus-kafka`).
 * Gauges observe through callbacks that `close()` removes, so a closed bus stops reporting.
 */
export class KafkaEventBusMetrics {
  readonly #instruments: () => Instruments | undefined;
  readonly #created: Instruments[] = [];
  readonly #sources: KafkaGaugeSources;
  readonly #system = { [KafkaMetricAttributes.messagingSystem]: 'kafka' };
  /** Attribute objects of the per-message records, reused (bounded: event types come from the wire). */
  readonly #attributeCache = new Map<string, Readonly<Record<string, string>>>();

  constructor(options: MetricsOptions, sources: KafkaGaugeSources) {
    this.#sources = sources;
    this.#instruments = lazyInstruments(
      '@eventsource/bus-kafka',
      (meter) => this.#create(meter),
      options,
      VERSION,
    );
  }

  #create(meter: Meter): Instruments {
    const counter = (name: string, unit: string, description: string) =>
      meter.createCounter(name, { unit, description });
    const histogram = (name: string, unit: string, description: string, buckets: number[]) =>
      meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: buckets } });
    const connectionsActive = meter.createObservableGauge(KafkaMetricNames.connectionsActive, {
      unit: '{connection}',
      description: 'Connected Kafka clients of the bus (producer, consumer, admin)',
    });
    const consumerLag = meter.createObservableGauge(KafkaMetricNames.consumerLag, {
      unit: '{message}',
      description: 'Messages behind the partition end, per assigned partition',
    });
    const observeConnections = (result: ObservableResult) => {
      result.observe(this.#sources.activeConnections(), {
        [KafkaMetricAttributes.consumerGroup]: this.#sources.consumerGroup,
      });
    };
    const observeLag = async (result: ObservableResult) => {
      for (const reading of await this.#sources.lagReadings()) {
        result.observe(reading.lag, {
          [KafkaMetricAttributes.partition]: String(reading.partition),
          [KafkaMetricAttributes.consumerGroup]: this.#sources.consumerGroup,
          [KafkaMetricAttributes.messagingDestination]: this.#sources.topic,
        });
      }
    };
    connectionsActive.addCallback(observeConnections);
    consumerLag.addCallback(observeLag);
    const instruments: Instruments = {
      published: counter(KafkaMetricNames.messagesPublished, '{message}', 'Messages published to Kafka'),
      consumed: counter(KafkaMetricNames.messagesConsumed, '{message}', 'Messages consumed from Kafka'),
      handlerInvocations: counter(
        KafkaMetricNames.handlerInvocations,
        '{invocation}',
        'Handler invocations, successful or not',
      ),
      handlerErrors: counter(KafkaMetricNames.handlerErrors, '{error}', 'Handler invocations that threw'),
      dlq: counter(KafkaMetricNames.messagesDlq, '{message}', 'Messages sent to the dead letter topic'),
      connectionErrors: counter(
        KafkaMetricNames.connectionErrors,
        '{error}',
        'Failed connections, crashes and request timeouts',
      ),
      reconnections: counter(
        KafkaMetricNames.reconnections,
        '{reconnection}',
        'Consumer restarts after a crash',
      ),
      rebalances: counter(
        KafkaMetricNames.rebalances,
        '{rebalance}',
        'Consumer group joins (each rebalance makes every member rejoin)',
      ),
      publishErrors: counter(KafkaMetricNames.publishErrors, '{error}', 'Messages whose publish failed'),
      publishDuration: histogram(
        KafkaMetricNames.publishDuration,
        'ms',
        'Time to publish one batch, until the broker acknowledged it',
        DURATION_BUCKETS_MS,
      ),
      consumeDuration: histogram(
        KafkaMetricNames.consumeDuration,
        'ms',
        'Time to process one consumed message, retries included',
        DURATION_BUCKETS_MS,
      ),
      handlerDuration: histogram(
        KafkaMetricNames.handlerDuration,
        'ms',
        'Handler execution time',
        DURATION_BUCKETS_MS,
      ),
      batchSize: histogram(KafkaMetricNames.batchSize, '{message}', 'Messages per publish', SIZE_BUCKETS),
      gauges: [
        [connectionsActive, observeConnections],
        [consumerLag, observeLag],
      ],
    };
    this.#created.push(instruments);
    return instruments;
  }

  #cached(key: string, create: () => Record<string, string>): Readonly<Record<string, string>> {
    let attributes = this.#attributeCache.get(key);
    if (attributes === undefined) {
      attributes = create();
      if (this.#attributeCache.size < 10_000) this.#attributeCache.set(key, attributes);
    }
    return attributes;
  }

  /** Creates the instruments (and so registers the gauges) with the current provider. */
  ensureRegistered(): void {
    this.#instruments();
  }

  published(topic: string, eventType: string, count = 1): void {
    this.#instruments()?.published.add(count, {
      ...this.#system,
      [KafkaMetricAttributes.messagingDestination]: topic,
      [KafkaMetricAttributes.eventType]: eventType,
    });
  }

  publishFailed(topic: string, eventType: string, error: unknown, count = 1): void {
    this.#instruments()?.publishErrors.add(count, {
      ...this.#system,
      [KafkaMetricAttributes.messagingDestination]: topic,
      [KafkaMetricAttributes.eventType]: eventType,
      [KafkaMetricAttributes.errorType]: errorTypeOf(error),
    });
  }

  publishBatch(topic: string, size: number, durationMs: number): void {
    const instruments = this.#instruments();
    instruments?.publishDuration.record(durationMs, { [KafkaMetricAttributes.messagingDestination]: topic });
    instruments?.batchSize.record(size);
  }

  consumed(topic: string, partition: number, eventType: string | undefined): void {
    const instruments = this.#instruments();
    if (instruments === undefined) return;
    const attributes = this.#cached(`c\u0000${partition}\u0000${eventType ?? ''}`, () => ({
      ...this.#system,
      [KafkaMetricAttributes.messagingDestination]: topic,
      [KafkaMetricAttributes.partition]: String(partition),
      [KafkaMetricAttributes.eventType]: eventType ?? 'unknown',
    }));
    instruments.consumed.add(1, attributes);
  }

  consumeDuration(topic: string, durationMs: number): void {
    this.#instruments()?.consumeDuration.record(
      durationMs,
      this.#cached(`d\u0000${topic}`, () => ({
        [KafkaMetricAttributes.messagingDestination]: topic,
      })),
    );
  }

  handled(handlerName: string, eventType: string, durationMs: number, error?: unknown): void {
    const instruments = this.#instruments();
    if (instruments === undefined) return;
    const attributes = this.#cached(`h\u0000${handlerName}\u0000${eventType}`, () => ({
      [KafkaMetricAttributes.handlerName]: handlerName,
      [KafkaMetricAttributes.eventType]: eventType,
    }));
    instruments.handlerInvocations.add(1, attributes);
    instruments.handlerDuration.record(durationMs, attributes);
    if (error !== undefined)
      instruments.handlerErrors.add(1, {
        ...attributes,
        [KafkaMetricAttributes.errorType]: errorTypeOf(error),
      });
  }

  deadLettered(reason: string, error: unknown): void {
    this.#instruments()?.dlq.add(1, {
      [KafkaMetricAttributes.dlqReason]: reason,
      [KafkaMetricAttributes.errorType]: errorTypeOf(error),
    });
  }

  connectionError(error: unknown): void {
    this.#instruments()?.connectionErrors.add(1, { [KafkaMetricAttributes.errorType]: errorTypeOf(error) });
  }

  reconnected(): void {
    this.#instruments()?.reconnections.add(1);
  }

  rebalanced(): void {
    this.#instruments()?.rebalances.add(1, {
      [KafkaMetricAttributes.consumerGroup]: this.#sources.consumerGroup,
    });
  }

  /** Stops the gauges of every provider this bus reported to. */
  close(): void {
    for (const instruments of this.#created.splice(0)) {
      for (const [gauge, callback] of instruments.gauges) gauge.removeCallback(callback);
    }
  }
}
