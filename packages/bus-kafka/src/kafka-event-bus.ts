import kafkajs from 'kafkajs';
import type { Consumer, Message } from 'kafkajs';
import {
  InvalidArgumentError,
  LoggerNames,
  type DeadLetterInspection,
  type DomainEvent,
  type EventBusCapabilities,
  type ReadDeadLettersOptions,
} from '@eventsource/core';
import {
  BrokerEventBus,
  outsideCallerTrace,
  withSendContext,
  type DeadLetter,
  type OutgoingMessage,
} from '@eventsource/core/kit';
import { SemanticAttributes } from '@eventsource/core/observability';
import { ConsumerLagTracker, type LagReading } from './consumer-lag.ts';
import { deadLetterMessage } from './dlq-message.ts';
import { countMessages, readDeadLetters, type KafkaDeadLetterMessage } from './dlq-reader.ts';
import { isConnectionError, translateKafkaError } from './errors.ts';
import {
  kafkaClientConfig,
  resolveKafkaOptions,
  type KafkaEventBusOptions,
  type ResolvedKafkaOptions,
} from './kafka-event-bus-options.ts';
import { KafkaClients } from './kafka-clients.ts';
import { KAFKAJS_LOG_LEVEL_INFO, kafkaLogCreator } from './kafka-log-creator.ts';
import {
  heartbeatingWait,
  KafkaMessageProcessor,
  type DeliveredKafkaMessage,
} from './kafka-message-processor.ts';
import { VERSION } from './version.ts';

const { Kafka: KafkaClient } = kafkajs;

/** kafkajs' `CompressionTypes` values (a TypeScript enum there). */
const COMPRESSION = { none: 0, gzip: 1 } as const;

/**
 * An {@link EventBus} over one Kafka topic (`${topicPrefix}.stream`), on kafkajs, built on core's
 * bus kit (publish spans and W3C headers, the consume pipeline, the `kafka.eventbus.*` metrics).
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
export class KafkaEventBus extends BrokerEventBus<DeliveredKafkaMessage> implements DeadLetterInspection {
  readonly capabilities: EventBusCapabilities = Object.freeze({
    distributed: true,
    consumerGroups: true,
    perAggregateOrdering: true,
    deadLetters: true,
    dlqInspection: true,
    dlqReplay: false,
  });
  readonly #options: ResolvedKafkaOptions;
  readonly #clients: KafkaClients;
  readonly #lag: ConsumerLagTracker;
  readonly #processor: KafkaMessageProcessor;
  readonly #heartbeatingWait: ReturnType<typeof heartbeatingWait>;
  #consumer: Consumer | undefined;

  constructor(options: KafkaEventBusOptions = {}) {
    const resolved = resolveKafkaOptions(options);
    const [host, port] = (resolved.brokers[0] ?? '').split(':');
    super({
      busName: 'KafkaEventBus',
      scope: '@eventsource/bus-kafka',
      version: VERSION,
      system: 'kafka',
      loggerName: LoggerNames.busKafka,
      destination: resolved.topic,
      options: resolved,
      telemetry: options,
      consumeSpanName: 'eventsource.event_bus.consume',
      publishAttributes: {
        [SemanticAttributes.serverAddress]: host,
        [SemanticAttributes.serverPort]: Number(port),
      },
      eventAttributes: (event) => ({ 'messaging.kafka.message.key': event.aggregateId }),
    });
    this.#options = resolved;
    const kafka =
      options.kafka ??
      new KafkaClient({
        ...kafkaClientConfig(options, resolved),
        logLevel: KAFKAJS_LOG_LEVEL_INFO,
        logCreator: kafkaLogCreator(this.logger),
      });
    this.#lag = new ConsumerLagTracker({
      topic: resolved.topic,
      groupId: resolved.consumerGroup,
      fromBeginning: resolved.fromBeginning,
      maxAgeMs: resolved.lagRefreshIntervalMs,
      admin: () => (this.#consumer === undefined ? Promise.resolve(undefined) : this.#clients.admin()),
    });
    this.#clients = new KafkaClients(kafka, resolved, this.metrics);
    this.#heartbeatingWait = heartbeatingWait(resolved.heartbeatIntervalMs);
    this.#processor = new KafkaMessageProcessor({
      pipeline: this.pipeline,
      lag: this.#lag,
      stopping: () => this.stopSignal,
    });
  }

  protected activeConnections(): number {
    return this.#clients.connectedCount;
  }

  protected lagReadings(): Promise<readonly LagReading[]> {
    return this.#lag.readings();
  }

  /** Only while consuming (a collection must not connect an admin client by itself) and with the DLQ on. */
  protected override dlqSize(): Promise<number | undefined> {
    return this.consuming && this.#options.enableDlq ? this.dlqMessageCount() : Promise.resolve(undefined);
  }

  /** Sliced by the heartbeat interval, heartbeating after each slice, so the group keeps this member. */
  protected override waitBeforeRetry(
    delayMs: number,
    signal: AbortSignal,
    message: DeliveredKafkaMessage,
  ): Promise<void> {
    return this.#heartbeatingWait(delayMs, signal, message);
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

  /** Connects the producer now rather than on the first `publish`. Joins no consumer group. */
  async connect(): Promise<void> {
    this.assertOpen();
    this.metrics.ensureRegistered();
    await this.#clients.producer();
  }

  /**
   * Resolves when every event is acknowledged. Events that cannot be encoded fail the call before
   * anything is sent; a failed batch rejects with the translated kafkajs error (earlier batches of
   * the same call stay published).
   */
  protected async publishEvents(events: readonly DomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    const producer = await this.#clients.producer();
    const { batchSize, topic } = this.#options;
    for (let start = 0; start < events.length; start += batchSize) {
      await this.publisher.publish(events.slice(start, start + batchSize), (messages, context) =>
        withSendContext(context, () =>
          this.#send(
            producer,
            topic,
            messages.map((message) => messageOf(message)),
          ),
        ),
      );
    }
  }

  async #send(
    producer: Awaited<ReturnType<KafkaClients['producer']>>,
    topic: string,
    messages: Message[],
  ): Promise<void> {
    try {
      await producer.send({
        topic,
        messages,
        acks: this.#options.acks,
        compression: COMPRESSION[this.#options.compressionType],
      });
    } catch (error) {
      if (isConnectionError(error)) this.metrics.connectionError(error);
      throw translateKafkaError(error, `publish to ${topic}`);
    }
  }

  /** Joins the consumer group and starts handling events; resolves once the consumer runs. */
  protected async startConsumer(): Promise<void> {
    const { topic, consumerGroup } = this.#options;
    const consumer = this.#clients.kafka.consumer({
      groupId: consumerGroup,
      sessionTimeout: this.#options.sessionTimeoutMs,
      rebalanceTimeout: this.#options.rebalanceTimeoutMs,
      heartbeatInterval: this.#options.heartbeatIntervalMs,
      maxWaitTimeInMs: this.#options.maxWaitTimeMs,
      allowAutoTopicCreation: true,
      // Retries that outlast a broker restart keep the membership: no crash, no rebalance wait.
      retry: this.#options.kafkajsRetry,
    });
    this.#clients.track(consumer, 'consumer');
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.#clients.markConnected('consumer');
      this.metrics.rebalanced();
      this.#lag.assign(event.payload.memberAssignment[topic] ?? []);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.metrics.connectionError(event.payload.error);
      if (event.payload.restart) this.metrics.reconnected();
      this.logger.error(
        { error: event.payload.error.message, restart: event.payload.restart, consumer_group: consumerGroup },
        'Kafka consumer crashed',
      );
    });
    this.metrics.ensureRegistered();
    try {
      await outsideCallerTrace(async () => {
        await this.#clients.ensureTopics();
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: this.#options.fromBeginning });
        this.#consumer = consumer;
        await consumer.run({
          autoCommit: true,
          autoCommitThreshold: this.#options.commitEveryMessages,
          autoCommitInterval: this.#options.commitIntervalMs,
          partitionsConsumedConcurrently: this.#options.partitionsConsumedConcurrently,
          eachMessage: (payload) => this.#processor.process(payload),
        });
      });
    } catch (error) {
      this.#consumer = undefined;
      this.metrics.connectionError(error);
      await consumer.disconnect().catch(() => undefined);
      throw translateKafkaError(error, 'start consuming');
    }
  }

  /** How many messages the dead-letter topic holds. */
  async dlqMessageCount(): Promise<number> {
    this.assertOpen();
    const admin = await this.#clients.admin();
    try {
      return await countMessages(admin, this.#options.dlqTopic);
    } catch (error) {
      throw translateKafkaError(error, `count messages of ${this.#options.dlqTopic}`);
    }
  }

  /** Reads dead-lettered messages (oldest first per partition) for inspection; nothing is removed. */
  async readDlq(options: ReadDeadLettersOptions = {}): Promise<KafkaDeadLetterMessage[]> {
    this.assertOpen();
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
   * Back-off waits end (their messages stay uncommitted for redelivery), handlers in flight finish
   * (up to `shutdownTimeoutMs`), processed offsets are committed and the member leaves the group.
   */
  protected async stopConsumer(): Promise<void> {
    const consumer = this.#consumer;
    this.#consumer = undefined;
    if (consumer === undefined) return;
    const stopped = consumer.disconnect().then(
      () => true,
      (error: unknown) => {
        this.logger.warn(
          { error: error instanceof Error ? error.message : String(error) },
          'Kafka consumer did not disconnect cleanly',
        );
        return true;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#options.shutdownTimeoutMs);
    });
    const drained = await Promise.race([stopped, timedOut]);
    clearTimeout(timer);
    if (!drained)
      this.logger.warn(
        { timeout_ms: this.#options.shutdownTimeoutMs },
        'Handlers still running at shutdown timeout; their messages will be redelivered',
      );
    this.#lag.clear();
  }

  protected async closeClients(): Promise<void> {
    await this.#clients.close();
  }

  #requireConsumer(): Consumer {
    if (this.#consumer === undefined)
      throw new InvalidArgumentError('The bus is not consuming: call startConsuming() first');
    return this.#consumer;
  }

  /** Sends a dead letter to the DLQ topic (no spans or event metrics; the pipeline counts it). */
  protected async deadLetter(letter: DeadLetter<DeliveredKafkaMessage>): Promise<void> {
    const producer = await this.#clients.producer();
    await this.#send(producer, this.#options.dlqTopic, [deadLetterMessage(letter, this.#options.topic)]);
  }
}

/** The Kafka message for an outgoing event: keyed by aggregate id, so one aggregate stays in one partition. */
function messageOf(message: OutgoingMessage): Message {
  return { key: message.event.aggregateId, value: message.value, headers: message.headers };
}
