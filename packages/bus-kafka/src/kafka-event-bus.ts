import kafkajs from 'kafkajs';
import type { Consumer } from 'kafkajs';
import {
  ClosedError,
  defaultRegistry,
  EventDispatcher,
  getLogger,
  InvalidArgumentError,
  LoggerNames,
  type DomainEvent,
  type EventBus,
  type EventDefinition,
  type EventHandler,
  type Logger,
} from '@eventsource/core';
import {
  ATTR_MESSAGING_DESTINATION,
  ATTR_MESSAGING_SYSTEM,
  ComponentTracer,
  SemanticAttributes,
} from '@eventsource/core/observability';
import { ConsumerLagTracker } from './consumer-lag.ts';
import { deadLetterMessage, type DeadLetter } from './dlq-message.ts';
import {
  countMessages,
  readDeadLetters,
  type DeadLetterMessage,
  type ReadDeadLettersOptions,
} from './dlq-reader.ts';
import { translateKafkaError } from './errors.ts';
import {
  kafkaClientConfig,
  resolveKafkaOptions,
  type KafkaEventBusOptions,
  type ResolvedKafkaOptions,
} from './kafka-event-bus-options.ts';
import { KafkaClients, outsideCallerTrace } from './kafka-clients.ts';
import { KAFKAJS_LOG_LEVEL_INFO, kafkaLogCreator } from './kafka-log-creator.ts';
import { KafkaMessageProcessor } from './kafka-message-processor.ts';
import { KafkaEventBusMetrics } from './kafka-metrics.ts';
import { KafkaPublisher } from './kafka-publisher.ts';

const { Kafka: KafkaClient } = kafkajs;

/**
 * An {@link EventBus} over one Kafka topic (`${topicPrefix}.stream`), on kafkajs.
 *
 * - `publish` sends a batch per call (split at `batchSize`), key = aggregate id so one aggregate's
 *   events stay ordered, headers `event_type`, `event_id`, `aggregate_type` and W3C
 *   `traceparent`/`tracestate` of the event's own publish span. It resolves once the broker
 *   acknowledged every message (`acks`).
 * - Consuming is explicit (`startConsuming`), so a publish-only process never joins a group.
 *   Consumer groups: every group gets every event; the members of one group share the partitions.
 *   Delivery is at least once; handlers must be idempotent.
 * - A failing message is retried in place with back-off (the partition waits; other groups are not
 *   disturbed), then goes to `${topic}.dlq` with `dlq_*` reason headers; a message that cannot be
 *   decoded or has an unregistered type goes there at once. Either way consumption goes on.
 * - `stopConsuming` lets in-flight handlers finish, commits, leaves the group; `close` also closes
 *   the producer and admin client. Both are idempotent.
 */
export class KafkaEventBus implements EventBus, AsyncDisposable {
  readonly #options: ResolvedKafkaOptions;
  readonly #clients: KafkaClients;
  readonly #dispatcher: EventDispatcher;
  readonly #tracer: ComponentTracer;
  readonly #metrics: KafkaEventBusMetrics;
  readonly #lag: ConsumerLagTracker;
  readonly #logger: Logger;
  readonly #publisher: KafkaPublisher;
  readonly #processor: KafkaMessageProcessor;
  #consumer: Consumer | undefined;
  #starting: Promise<void> | undefined;
  #stopping = new AbortController();
  #stoppingConsumer: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: KafkaEventBusOptions = {}) {
    this.#options = resolveKafkaOptions(options);
    this.#logger = getLogger(LoggerNames.busKafka);
    const kafka =
      options.kafka ??
      new KafkaClient({
        ...kafkaClientConfig(options, this.#options),
        logLevel: KAFKAJS_LOG_LEVEL_INFO,
        logCreator: kafkaLogCreator(this.#logger),
      });
    const { topic, consumerGroup } = this.#options;
    this.#tracer = ComponentTracer.from('@eventsource/bus-kafka', options, true);
    this.#lag = new ConsumerLagTracker({
      topic,
      groupId: consumerGroup,
      fromBeginning: this.#options.fromBeginning,
      maxAgeMs: this.#options.lagRefreshIntervalMs,
      admin: () => (this.#consumer === undefined ? Promise.resolve(undefined) : this.#clients.admin()),
    });
    this.#metrics = new KafkaEventBusMetrics(options, {
      topic,
      consumerGroup,
      activeConnections: () => this.#clients.connectedCount,
      lagReadings: () => this.#lag.readings(),
    });
    this.#clients = new KafkaClients(kafka, this.#options, this.#metrics);
    this.#dispatcher = new EventDispatcher({
      scope: '@eventsource/bus-kafka',
      loggerName: LoggerNames.busKafka,
      ...options,
      attributes: {
        [ATTR_MESSAGING_SYSTEM]: 'kafka',
        [ATTR_MESSAGING_DESTINATION]: topic,
        [SemanticAttributes.messagingConsumerGroupName]: consumerGroup,
      },
      onHandled: (event, outcome) =>
        this.#metrics.handled(outcome.handlerName, event.eventType, outcome.durationMs, outcome.error),
    });
    this.#publisher = new KafkaPublisher({
      options: this.#options,
      tracer: this.#tracer,
      metrics: this.#metrics,
      producer: () => this.#clients.producer(),
    });
    this.#processor = new KafkaMessageProcessor({
      topic,
      consumerGroup,
      registry: options.registry ?? defaultRegistry,
      dispatcher: this.#dispatcher,
      tracer: this.#tracer,
      propagation: this.#options.propagation,
      retryPolicy: this.#options.retryPolicy,
      heartbeatIntervalMs: this.#options.heartbeatIntervalMs,
      metrics: this.#metrics,
      lag: this.#lag,
      logger: this.#logger,
      deadLetter: (deadLetter) => this.#deadLetter(deadLetter),
      stopping: () => this.#stopping.signal,
    });
  }

  /** The topic every event goes to. */
  get topicName(): string {
    return this.#options.topic;
  }

  /** Where unhandleable messages go. */
  get dlqTopicName(): string {
    return this.#options.dlqTopic;
  }

  get consumerGroup(): string {
    return this.#options.consumerGroup;
  }

  /** True between `startConsuming` and `stopConsuming`. */
  get consuming(): boolean {
    return this.#consumer !== undefined;
  }

  /** Connects the producer now rather than on the first `publish`. Joins no consumer group. */
  async connect(): Promise<void> {
    this.#assertOpen();
    this.#metrics.ensureRegistered();
    await this.#clients.producer();
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    this.#assertOpen();
    await this.#publisher.publish(events);
  }

  subscribe<TType extends string, TData>(
    eventType: EventDefinition<TType, TData>,
    handler: EventHandler<DomainEvent<TType, TData>>,
  ): () => void;
  subscribe(eventType: string, handler: EventHandler): () => void;
  subscribe(eventType: string | EventDefinition, handler: EventHandler<never>): () => void {
    return this.#dispatcher.subscribe(eventType, handler as EventHandler);
  }

  subscribeAll(handler: EventHandler): () => void {
    return this.#dispatcher.subscribeAll(handler);
  }

  unsubscribe(eventType: string | EventDefinition, handler: EventHandler): boolean {
    return this.#dispatcher.unsubscribe(eventType, handler);
  }

  /**
   * Joins the consumer group and starts handling events; resolves once this member has its
   * partitions. Subscriptions may change at any time afterwards. Calling it again is a no-op.
   */
  startConsuming(): Promise<void> {
    this.#assertOpen();
    this.#starting ??= this.#startConsuming().catch((error: unknown) => {
      this.#starting = undefined;
      throw error;
    });
    return this.#starting;
  }

  async #startConsuming(): Promise<void> {
    const { topic, consumerGroup } = this.#options;
    const consumer = this.#clients.kafka.consumer({
      groupId: consumerGroup,
      sessionTimeout: this.#options.sessionTimeoutMs,
      rebalanceTimeout: this.#options.rebalanceTimeoutMs,
      heartbeatInterval: this.#options.heartbeatIntervalMs,
      maxWaitTimeInMs: this.#options.maxWaitTimeMs,
      allowAutoTopicCreation: true,
      ...(this.#options.clientRetry === undefined ? {} : { retry: this.#options.clientRetry }),
    });
    this.#clients.track(consumer, 'consumer');
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.#clients.markConnected('consumer');
      this.#metrics.rebalanced();
      this.#lag.assign(event.payload.memberAssignment[topic] ?? []);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.#metrics.connectionError(event.payload.error);
      if (event.payload.restart) this.#metrics.reconnected();
      this.#logger.error(
        { error: event.payload.error.message, restart: event.payload.restart, consumer_group: consumerGroup },
        'Kafka consumer crashed',
      );
    });
    this.#stopping = new AbortController();
    this.#metrics.ensureRegistered();
    try {
      await outsideCallerTrace(async () => {
        await this.#clients.ensureTopics();
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: this.#options.fromBeginning });
        this.#consumer = consumer;
        await consumer.run({
          autoCommit: true,
          partitionsConsumedConcurrently: this.#options.partitionsConsumedConcurrently,
          eachMessage: (payload) => this.#processor.process(payload),
        });
      });
    } catch (error) {
      this.#consumer = undefined;
      this.#metrics.connectionError(error);
      await consumer.disconnect().catch(() => undefined);
      throw translateKafkaError(error, 'start consuming');
    }
  }

  /** How many messages the dead-letter topic holds. */
  async dlqMessageCount(): Promise<number> {
    this.#assertOpen();
    const admin = await this.#clients.admin();
    try {
      return await countMessages(admin, this.#options.dlqTopic);
    } catch (error) {
      throw translateKafkaError(error, `count messages of ${this.#options.dlqTopic}`);
    }
  }

  /** Reads dead-lettered messages (oldest first per partition) for inspection; nothing is removed. */
  async readDlq(options: ReadDeadLettersOptions = {}): Promise<DeadLetterMessage[]> {
    this.#assertOpen();
    const admin = await this.#clients.admin();
    try {
      return await outsideCallerTrace(() =>
        readDeadLetters(this.#clients.kafka, admin, this.#options.dlqTopic, options),
      );
    } catch (error) {
      throw translateKafkaError(error, `read ${this.#options.dlqTopic}`);
    }
  }

  /** Stops fetching (the group keeps this member's partitions); handlers in flight finish. */
  pause(): void {
    this.#requireConsumer().pause([{ topic: this.#options.topic }]);
  }

  resume(): void {
    this.#requireConsumer().resume([{ topic: this.#options.topic }]);
  }

  /**
   * Stops consuming: back-off waits end (their messages stay uncommitted for redelivery), handlers
   * in flight finish (up to `shutdownTimeoutMs`), processed offsets are committed and the member
   * leaves the group. Safe to call when not consuming.
   */
  stopConsuming(): Promise<void> {
    this.#stoppingConsumer ??= this.#stopConsuming().finally(() => {
      this.#stoppingConsumer = undefined;
    });
    return this.#stoppingConsumer;
  }

  async #stopConsuming(): Promise<void> {
    const starting = this.#starting;
    if (starting === undefined) return;
    await starting.catch(() => undefined);
    const consumer = this.#consumer;
    this.#starting = undefined;
    this.#consumer = undefined;
    if (consumer === undefined) return;
    this.#stopping.abort();
    const stopped = consumer.disconnect().catch((error: unknown) => {
      this.#logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'Kafka consumer did not disconnect cleanly',
      );
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#options.shutdownTimeoutMs);
    });
    const outcome = await Promise.race([stopped, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout')
      this.#logger.warn(
        { timeout_ms: this.#options.shutdownTimeoutMs },
        'Handlers still running at shutdown timeout; their messages will be redelivered',
      );
    this.#lag.clear();
  }

  /** Stops consuming and closes every client the bus created. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    await this.stopConsuming();
    await this.#clients.close();
    this.#metrics.close();
    this.#dispatcher.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #assertOpen(): void {
    if (this.#closed !== undefined) throw new ClosedError('KafkaEventBus');
  }

  #requireConsumer(): Consumer {
    if (this.#consumer === undefined)
      throw new InvalidArgumentError('The bus is not consuming: call startConsuming() first');
    return this.#consumer;
  }

  async #deadLetter(deadLetter: DeadLetter): Promise<void> {
    const { topic, dlqTopic, consumerGroup } = this.#options;
    const { reason, partition, message, error } = deadLetter;
    const details = {
      reason,
      partition,
      offset: message.offset,
      error: error instanceof Error ? error.message : String(error),
    };
    if (!this.#options.enableDlq) {
      this.#logger.error(details, 'Message dropped: it cannot be handled and the DLQ is off');
      return;
    }
    await this.#publisher.sendRaw(dlqTopic, [deadLetterMessage(deadLetter, { topic, consumerGroup })]);
    this.#metrics.deadLettered(reason, error);
    this.#logger.warn(details, `Message sent to ${dlqTopic}`);
  }
}
