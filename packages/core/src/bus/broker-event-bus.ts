import { ClosedError, InvalidArgumentError } from '../errors.ts';
import type { DomainEvent, EventDefinition } from '../events/domain-event.ts';
import { getLogger, type Logger } from '../logging/logger.ts';
import {
  ATTR_MESSAGING_DESTINATION,
  ATTR_MESSAGING_SYSTEM,
  SemanticAttributes,
  type Attributes,
} from '../observability/attributes.ts';
import { ComponentTracer, type TelemetryOptions } from '../observability/component-tracer.ts';
import type { MetricsOptions } from '../observability/metrics.ts';
import type { SpanNames } from '../observability/span-names.ts';
import type { EventBus, EventBusCapabilities, EventHandler } from '../ports/event-bus.ts';
import { sleep } from '../subscriptions/retry-policy.ts';
import { EventBusMetrics, type LagReading } from './bus-metrics.ts';
import type { ResolvedEventBusOptions } from './bus-options.ts';
import { BusPublisher } from './bus-publisher.ts';
import { EventDispatcher } from './event-dispatcher.ts';
import { MessagePipeline, type DeadLetter } from './message-pipeline.ts';

/** What a broker bus tells its base class about itself. */
export interface BrokerEventBusConfig {
  /** The class name, in `ClosedError` messages. */
  readonly busName: string;
  /** Instrumentation scope: the bus package's name (`@eventsource/bus-kafka`). */
  readonly scope: string;
  readonly version: string;
  /** `messaging.system` and the metric prefix (`kafka` gives `kafka.eventbus.*`). */
  readonly system: string;
  /** The bus's logger name (`LoggerNames.busKafka`, ...). */
  readonly loggerName: string;
  /** Where events go (topic, exchange, stream), on spans and metrics. */
  readonly destination: string;
  readonly options: ResolvedEventBusOptions;
  /** The tracing and metrics settings the user passed. */
  readonly telemetry: TelemetryOptions & MetricsOptions;
  /** The consumer span's name: `consume` (Kafka, RabbitMQ) or `process` (Redis, as the seed names it). */
  readonly consumeSpanName: typeof SpanNames.eventBus.consume | typeof SpanNames.eventBus.process;
  /** Extra attributes on every publish span (`server.address`, ...). */
  readonly publishAttributes?: Attributes;
  /** Extra attributes per published event (message key, routing key, ...). */
  readonly eventAttributes?: (event: DomainEvent) => Attributes;
}

/**
 * What every broker bus shares, so each adapter implements only its driver:
 *
 * - the lifecycle: handler registration, `publish` refused with {@link ClosedError} after `close`,
 *   `startConsuming` and `stopConsuming` that are idempotent and safe to call concurrently,
 *   `close` that stops consuming then closes the clients (twice is harmless), `await using`;
 * - the telemetry: the `<system>.eventbus.*` metrics (`metrics`, whose gauges read the hooks
 *   below), the dispatcher's spans, `publisher` (one PRODUCER span per event, W3C headers) and
 *   `pipeline` (the consumer span, decoding, dispatch, retries, dead letters) to feed messages to.
 *
 * Subclasses implement the driver hooks (each lifecycle hook is called at most once per
 * start/stop/close) and the readings the gauges need.
 */
export abstract class BrokerEventBus<TMessage = unknown> implements EventBus, AsyncDisposable {
  abstract readonly capabilities: EventBusCapabilities;
  protected readonly dispatcher: EventDispatcher;
  protected readonly logger: Logger;
  protected readonly metrics: EventBusMetrics;
  protected readonly publisher: BusPublisher;
  protected readonly pipeline: MessagePipeline<TMessage>;
  readonly #busName: string;
  #starting: Promise<void> | undefined;
  #consuming = false;
  #stopping: Promise<void> | undefined;
  #stopSignal = new AbortController();
  #closed: Promise<void> | undefined;

  protected constructor(config: BrokerEventBusConfig) {
    const { busName, scope, version, system, destination, options, telemetry } = config;
    this.#busName = busName;
    this.logger = getLogger(config.loggerName);
    this.metrics = new EventBusMetrics({ scope, version, prefix: system, system }, telemetry, {
      destination,
      consumerGroup: options.consumerGroup,
      activeConnections: () => this.activeConnections(),
      lagReadings: () => this.lagReadings(),
      dlqSize: () => this.dlqSize(),
    });
    this.dispatcher = new EventDispatcher({
      ...telemetry,
      scope,
      loggerName: config.loggerName,
      attributes: {
        [ATTR_MESSAGING_SYSTEM]: system,
        [ATTR_MESSAGING_DESTINATION]: destination,
        [SemanticAttributes.messagingConsumerGroupName]: options.consumerGroup,
      },
      onHandled: (event, outcome) =>
        this.metrics.handled(outcome.handlerName, event.eventType, outcome.durationMs, outcome.error),
    });
    const tracer = new ComponentTracer(
      scope,
      telemetry.enableTracing ?? true,
      telemetry.tracerProvider,
      version,
    );
    this.publisher = new BusPublisher({
      tracer,
      metrics: this.metrics,
      wireFormat: options.wireFormat,
      system,
      destination,
      ...(config.publishAttributes === undefined ? {} : { attributes: config.publishAttributes }),
      ...(config.eventAttributes === undefined ? {} : { eventAttributes: config.eventAttributes }),
    });
    this.pipeline = new MessagePipeline<TMessage>({
      system,
      spanName: config.consumeSpanName,
      options,
      dispatcher: this.dispatcher,
      tracer,
      metrics: this.metrics,
      logger: this.logger,
      deadLetter: (letter) => this.deadLetter(letter),
      wait: (delayMs, signal, message) => this.waitBeforeRetry(delayMs, signal, message),
    });
  }

  /** Open connections to the broker now (the `connections.active` gauge). */
  protected abstract activeConnections(): number;
  /** Messages waiting for this group now (the `consumer.lag` gauge); may ask the broker. */
  protected abstract lagReadings(): Promise<readonly LagReading[]> | readonly LagReading[];
  /** Messages in the DLQ now (the `dlq.size` gauge), or `undefined` when it cannot be told. */
  protected dlqSize(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }
  /**
   * Puts a message that cannot be handled, with `letter.headers`, on the dead-letter queue. A
   * rejection leaves the message unacknowledged (it is delivered again).
   */
  protected abstract deadLetter(letter: DeadLetter<TMessage>): Promise<void>;
  /** Waits out a back-off before `message` is retried; ends early when `signal` aborts. */
  protected waitBeforeRetry(delayMs: number, signal: AbortSignal, _message: TMessage): Promise<void> {
    return sleep(delayMs, signal);
  }

  /** Sends `events` to the broker; resolves once the broker accepted every one. */
  protected abstract publishEvents(events: readonly DomainEvent[]): Promise<void>;
  /** Connects, declares what consuming needs and starts taking messages; resolves once consuming. */
  protected abstract startConsumer(): Promise<void>;
  /**
   * Stops taking messages and waits (up to the shutdown timeout) for the ones in flight. `signal` is
   * already aborted: back-off waits end and their messages are left for redelivery.
   */
  protected abstract stopConsumer(signal: AbortSignal): Promise<void>;
  /** Closes every client the bus created (never one it was handed). */
  protected abstract closeClients(): Promise<void>;

  /** Aborted when a stop begins; a fresh one is made for each start. */
  protected get stopSignal(): AbortSignal {
    return this.#stopSignal.signal;
  }

  /** True between a successful `startConsuming` and `stopConsuming`. */
  get consuming(): boolean {
    return this.#consuming;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(events))
      throw new InvalidArgumentError(`${this.#busName}.publish takes an array of events`);
    await this.publishEvents(events);
  }

  subscribe<TType extends string, TData>(
    eventType: EventDefinition<TType, TData>,
    handler: EventHandler<DomainEvent<TType, TData>>,
  ): () => void;
  subscribe(eventType: string, handler: EventHandler): () => void;
  subscribe(eventType: string | EventDefinition, handler: EventHandler<never>): () => void {
    return this.dispatcher.subscribe(eventType, handler as EventHandler);
  }

  subscribeAll(handler: EventHandler): () => void {
    return this.dispatcher.subscribeAll(handler);
  }

  unsubscribe(eventType: string | EventDefinition, handler: EventHandler): boolean {
    return this.dispatcher.unsubscribe(eventType, handler);
  }

  startConsuming(): Promise<void> {
    this.assertOpen();
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    this.#stopSignal = new AbortController();
    try {
      await this.startConsumer();
      this.#consuming = true;
    } catch (error) {
      this.#starting = undefined;
      throw error;
    }
  }

  stopConsuming(): Promise<void> {
    this.#stopping ??= this.#stop().finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const starting = this.#starting;
    if (starting === undefined) return;
    await starting.catch(() => undefined);
    if (this.#starting !== starting) return;
    this.#starting = undefined;
    if (!this.#consuming) return;
    this.#consuming = false;
    this.#stopSignal.abort();
    await this.stopConsumer(this.#stopSignal.signal);
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    await this.stopConsuming();
    await this.closeClients();
    this.metrics.close();
    this.dispatcher.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  protected assertOpen(): void {
    if (this.#closed !== undefined) throw new ClosedError(this.#busName);
  }
}
