import type {
  Counter,
  Histogram,
  Meter,
  ObservableGauge,
  ObservableResult,
} from '../observability/otel-types.ts';
import { errorTypeOf } from '../errors.ts';
import { lazyInstruments, type MetricsOptions } from '../observability/metrics.ts';
import { BusMetricAttributes, busMetricNames, type BusMetricNames } from './bus-metric-names.ts';

/** One reading of the consumer-lag gauge: messages waiting, per partition (Kafka) or per queue/stream. */
export interface LagReading {
  readonly lag: number;
  readonly partition?: string | number;
  /** Defaults to the bus's destination. */
  readonly destination?: string;
}

/** What the gauges read from the bus at collection time. */
export interface BusGaugeSources {
  readonly destination: string;
  readonly consumerGroup: string;
  /** Open connections of the bus to its broker. */
  activeConnections(): number;
  /** Current lag readings; may ask the broker first. */
  lagReadings(): Promise<readonly LagReading[]> | readonly LagReading[];
  /**
   * Messages in this group's dead-letter queue now, or `undefined` when it cannot be told (not
   * connected). Buses with DLQ inspection provide it; the `dlq.size` gauge reports it.
   */
  dlqSize?(): Promise<number | undefined>;
}

/** Who records: the instrumentation scope and the broker. */
export interface BusMetricsScope {
  /** Instrumentation scope, the bus package's name (`@eventsource/bus-kafka`). */
  readonly scope: string;
  readonly version: string;
  /** Metric name prefix (`kafka` gives `kafka.eventbus.*`). */
  readonly prefix: string;
  /** `messaging.system` value (`kafka`, `rabbitmq`, `redis`). */
  readonly system: string;
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
  readonly gauges: readonly (readonly [
    ObservableGauge,
    (result: ObservableResult) => void | Promise<void>,
  ])[];
}

const DURATION_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1_000, 2_500, 5_000, 10_000];
const SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000];
/** How long a gauge may wait for the broker before the collection goes on without its reading. */
const GAUGE_READ_TIMEOUT_MS = 2_000;
/** Attribute sets kept for reuse per metric; event types come off the wire, so each cache is bounded. */
const ATTRIBUTE_CACHE_LIMIT = 10_000;

/**
 * A bus's instruments, created on first use per meter provider. The gauges (active connections,
 * consumer lag, DLQ size) are observable: they read the bus when metrics are collected, so they
 * never go stale (the DLQ size drops as soon as an operator replays entries), and `close()` removes
 * their callbacks so a closed bus stops reporting.
 */
export class EventBusMetrics {
  readonly names: BusMetricNames;
  readonly #instruments: () => Instruments | undefined;
  readonly #created: Instruments[] = [];
  readonly #sources: BusGaugeSources;
  readonly #system: Readonly<Record<string, string>>;
  /** Attribute sets of the per-message metrics, by what they are built from. */
  readonly #publishedAttributes = new AttributeSets();
  readonly #consumedAttributes = new AttributeSets();
  readonly #handledAttributes = new AttributeSets();
  readonly #destinationAttributes = new AttributeSets();

  constructor(scope: BusMetricsScope, options: MetricsOptions, sources: BusGaugeSources) {
    this.names = busMetricNames(scope.prefix);
    this.#sources = sources;
    this.#system = { [BusMetricAttributes.messagingSystem]: scope.system };
    this.#instruments = lazyInstruments(scope.scope, (meter) => this.#create(meter), options, scope.version);
  }

  #create(meter: Meter): Instruments {
    const { names } = this;
    const counter = (name: string, unit: string, description: string) =>
      meter.createCounter(name, { unit, description });
    const histogram = (name: string, unit: string, description: string, buckets: number[]) =>
      meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: buckets } });
    const connectionsActive = meter.createObservableGauge(names.connectionsActive, {
      unit: '{connection}',
      description: 'Open connections of the bus to its broker',
    });
    const consumerLag = meter.createObservableGauge(names.consumerLag, {
      unit: '{message}',
      description: 'Messages waiting for this consumer group',
    });
    const observeConnections = (result: ObservableResult) => {
      result.observe(this.#sources.activeConnections(), {
        [BusMetricAttributes.consumerGroup]: this.#sources.consumerGroup,
      });
    };
    const observeLag = async (result: ObservableResult) => {
      const readings = await withinCollection(Promise.resolve(this.#sources.lagReadings()));
      for (const reading of readings ?? []) {
        result.observe(reading.lag, {
          ...(reading.partition === undefined
            ? {}
            : { [BusMetricAttributes.partition]: String(reading.partition) }),
          [BusMetricAttributes.consumerGroup]: this.#sources.consumerGroup,
          [BusMetricAttributes.messagingDestination]: reading.destination ?? this.#sources.destination,
        });
      }
    };
    connectionsActive.addCallback(observeConnections);
    consumerLag.addCallback(observeLag);
    const gauges: [ObservableGauge, (result: ObservableResult) => void | Promise<void>][] = [
      [connectionsActive, observeConnections],
      [consumerLag, observeLag],
    ];
    const { dlqSize } = this.#sources;
    if (dlqSize !== undefined) {
      const dlqGauge = meter.createObservableGauge(names.dlqSize, {
        unit: '{message}',
        description:
          'Messages in the dead-letter queue now (it shrinks when an operator replays or removes them)',
      });
      const observeDlq = async (result: ObservableResult) => {
        const size = await withinCollection(dlqSize());
        if (size !== undefined)
          result.observe(size, { [BusMetricAttributes.consumerGroup]: this.#sources.consumerGroup });
      };
      dlqGauge.addCallback(observeDlq);
      gauges.push([dlqGauge, observeDlq]);
    }
    const instruments: Instruments = {
      published: counter(names.messagesPublished, '{message}', 'Messages published'),
      consumed: counter(names.messagesConsumed, '{message}', 'Messages consumed'),
      handlerInvocations: counter(
        names.handlerInvocations,
        '{invocation}',
        'Handler invocations, successful or not',
      ),
      handlerErrors: counter(names.handlerErrors, '{error}', 'Handler invocations that threw'),
      dlq: counter(names.messagesDlq, '{message}', 'Messages dead-lettered'),
      connectionErrors: counter(
        names.connectionErrors,
        '{error}',
        'Failed connections, lost connections and timeouts',
      ),
      reconnections: counter(
        names.reconnections,
        '{reconnection}',
        'Connections re-established after a loss',
      ),
      rebalances: counter(names.rebalances, '{rebalance}', 'Consumer group (re)assignments of this member'),
      publishErrors: counter(names.publishErrors, '{error}', 'Messages whose publish failed'),
      publishDuration: histogram(
        names.publishDuration,
        'ms',
        'Time to publish one batch, until the broker acknowledged it',
        DURATION_BUCKETS_MS,
      ),
      consumeDuration: histogram(
        names.consumeDuration,
        'ms',
        'Time to process one consumed message, retries included',
        DURATION_BUCKETS_MS,
      ),
      handlerDuration: histogram(names.handlerDuration, 'ms', 'Handler execution time', DURATION_BUCKETS_MS),
      batchSize: histogram(names.batchSize, '{message}', 'Messages per publish', SIZE_BUCKETS),
      gauges,
    };
    this.#created.push(instruments);
    return instruments;
  }

  /** Creates the instruments now, so the gauges report before the first message. */
  ensureRegistered(): void {
    this.#instruments();
  }

  published(destination: string, eventType: string, count = 1): void {
    this.#instruments()?.published.add(
      count,
      this.#publishedAttributes.get(destination, eventType, undefined, () => ({
        ...this.#system,
        [BusMetricAttributes.messagingDestination]: destination,
        [BusMetricAttributes.eventType]: eventType,
      })),
    );
  }

  publishFailed(destination: string, eventType: string, error: unknown, count = 1): void {
    this.#instruments()?.publishErrors.add(count, {
      ...this.#system,
      [BusMetricAttributes.messagingDestination]: destination,
      [BusMetricAttributes.eventType]: eventType,
      [BusMetricAttributes.errorType]: errorTypeOf(error),
    });
  }

  publishBatch(destination: string, size: number, durationMs: number): void {
    const instruments = this.#instruments();
    if (instruments === undefined) return;
    instruments.publishDuration.record(durationMs, this.#destination(destination));
    instruments.batchSize.record(size);
  }

  consumed(destination: string, partition: string | number | undefined, eventType: string | undefined): void {
    const instruments = this.#instruments();
    if (instruments === undefined) return;
    const attributes = this.#consumedAttributes.get(destination, partition, eventType, () => ({
      ...this.#system,
      [BusMetricAttributes.messagingDestination]: destination,
      ...(partition === undefined ? {} : { [BusMetricAttributes.partition]: String(partition) }),
      [BusMetricAttributes.eventType]: eventType ?? 'unknown',
    }));
    instruments.consumed.add(1, attributes);
  }

  consumeDuration(destination: string, durationMs: number): void {
    this.#instruments()?.consumeDuration.record(durationMs, this.#destination(destination));
  }

  handled(handlerName: string, eventType: string, durationMs: number, error?: unknown): void {
    const instruments = this.#instruments();
    if (instruments === undefined) return;
    const attributes = this.#handledAttributes.get(handlerName, eventType, undefined, () => ({
      [BusMetricAttributes.handlerName]: handlerName,
      [BusMetricAttributes.eventType]: eventType,
    }));
    instruments.handlerInvocations.add(1, attributes);
    instruments.handlerDuration.record(durationMs, attributes);
    if (error !== undefined)
      instruments.handlerErrors.add(1, {
        ...attributes,
        [BusMetricAttributes.errorType]: errorTypeOf(error),
      });
  }

  deadLettered(reason: string, error: unknown): void {
    this.#instruments()?.dlq.add(1, {
      [BusMetricAttributes.dlqReason]: reason,
      [BusMetricAttributes.errorType]: errorTypeOf(error),
    });
  }

  connectionError(error: unknown): void {
    this.#instruments()?.connectionErrors.add(1, { [BusMetricAttributes.errorType]: errorTypeOf(error) });
  }

  reconnected(): void {
    this.#instruments()?.reconnections.add(1);
  }

  rebalanced(): void {
    this.#instruments()?.rebalances.add(1, {
      [BusMetricAttributes.consumerGroup]: this.#sources.consumerGroup,
    });
  }

  /** Stops the gauges of every provider this bus reported to. */
  close(): void {
    for (const instruments of this.#created.splice(0)) {
      for (const [gauge, callback] of instruments.gauges) gauge.removeCallback(callback);
    }
  }

  #destination(destination: string): Readonly<Record<string, string>> {
    return this.#destinationAttributes.get(destination, undefined, undefined, () => ({
      [BusMetricAttributes.messagingDestination]: destination,
    }));
  }
}

type AttributeKey = string | number | undefined;
type AttributeSet = Readonly<Record<string, string>>;

/**
 * Attribute sets built once per combination of up to three key parts and reused: a bus records
 * several metrics per message. Nested maps, so no key string is built per message; bounded, since
 * event types come off the wire.
 */
class AttributeSets {
  readonly #root = new Map<AttributeKey, Map<AttributeKey, Map<AttributeKey, AttributeSet>>>();
  #size = 0;

  get(
    first: AttributeKey,
    second: AttributeKey,
    third: AttributeKey,
    create: () => AttributeSet,
  ): AttributeSet {
    let middle = this.#root.get(first);
    let leaves = middle?.get(second);
    const cached = leaves?.get(third);
    if (cached !== undefined) return cached;
    const created = create();
    if (this.#size >= ATTRIBUTE_CACHE_LIMIT) return created;
    if (middle === undefined) this.#root.set(first, (middle = new Map()));
    if (leaves === undefined) middle.set(second, (leaves = new Map()));
    leaves.set(third, created);
    this.#size += 1;
    return created;
  }
}

/** `reading`'s value, or `undefined` when it fails or the broker does not answer in time: a metrics collection must not hang or fail on a broker. */
async function withinCollection<T>(reading: Promise<T | undefined>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), GAUGE_READ_TIMEOUT_MS);
  });
  try {
    return await Promise.race([reading.catch(() => undefined), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
