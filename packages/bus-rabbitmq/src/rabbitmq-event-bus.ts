import type { ConsumeMessage } from 'amqplib';
import {
  LoggerNames,
  type DeadLetterInspection,
  type DeadLetterMessage,
  type DomainEvent,
  type EventBusCapabilities,
  type ReadDeadLettersOptions,
} from '@eventsource/core';
import {
  BrokerEventBus,
  headerText,
  withSendContext,
  type DeadLetter,
  type LagReading,
} from '@eventsource/core/kit';
import { SemanticAttributes, SpanNames } from '@eventsource/core/observability';
import { AmqpConnection } from './amqp-connection.ts';
import { AGGREGATE_ID_HEADER, deadLetterMessage, eventMessage, receivedHeaders } from './amqp-messages.ts';
import { ConfirmPublisher } from './confirm-publisher.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { QueueConsumer } from './queue-consumer.ts';
import { QueueDepth } from './queue-depth.ts';
import {
  resolveRabbitMQOptions,
  type RabbitMQEventBusOptions,
  type ResolvedRabbitMQOptions,
} from './rabbitmq-event-bus-options.ts';
import { routingKeyOf } from './topology.ts';
import { VERSION } from './version.ts';

const SCOPE = '@eventsource/bus-rabbitmq';
const SYSTEM = 'rabbitmq';
/** Semantic-convention keys of RabbitMQ spans. */
const ROUTING_KEY = 'messaging.rabbitmq.destination.routing_key';
const DELIVERY_TAG = 'messaging.rabbitmq.message.delivery_tag';

/**
 * An {@link EventBus} over one RabbitMQ exchange, on amqplib.
 *
 * - `publish` sends persistent messages on a confirm channel with the routing key
 *   `${aggregateType}.${eventType}` and headers `event_type`, `event_id`, `aggregate_type`,
 *   `aggregate_id` and the W3C `traceparent`/`tracestate` of the event's own publish span; it
 *   resolves once the broker confirmed every message and rejects with `UnconfirmedPublishError`
 *   naming the messages that were not.
 * - Every consumer group has a durable queue `${exchangeName}.${consumerGroup}`; the members of a
 *   group share it, `prefetchCount` messages each, acknowledged after handling. Delivery is at
 *   least once; handlers must be idempotent.
 * - A failing message is retried in place with back-off (held by this member; nothing is
 *   republished, so no other group sees it again), then goes to the group's own dead-letter
 *   queue `${queue}.dlq` with `dlq_*` reason headers; an undecodable or unknown message goes there
 *   at once. Consumption goes on.
 * - Connections come back by themselves after a broker restart; the consumer re-subscribes.
 * - `stopConsuming` cancels the consumer, lets handlers in flight finish (up to
 *   `shutdownTimeoutMs`) and closes the channel; `close` also closes the connections.
 */
export class RabbitMQEventBus extends BrokerEventBus<ConsumeMessage> implements DeadLetterInspection {
  readonly capabilities: EventBusCapabilities = {
    distributed: true,
    consumerGroups: true,
    // Members of a group handle up to `prefetchCount` messages each, concurrently.
    perAggregateOrdering: false,
    deadLetters: true,
    dlqInspection: true,
    dlqReplay: true,
  };
  readonly #options: ResolvedRabbitMQOptions;
  readonly #connections: readonly AmqpConnection[];
  readonly #confirm: ConfirmPublisher;
  readonly #consumer: QueueConsumer;
  readonly #dlq: DeadLetterQueue;
  readonly #depth: QueueDepth;

  constructor(options: RabbitMQEventBusOptions = {}) {
    const resolved = resolveRabbitMQOptions(options);
    super({
      busName: 'RabbitMQEventBus',
      scope: SCOPE,
      version: VERSION,
      system: SYSTEM,
      loggerName: LoggerNames.busRabbitmq,
      destination: resolved.exchangeName,
      options: resolved.bus,
      telemetry: options,
      consumeSpanName: SpanNames.eventBus.consume,
      publishAttributes: {
        [SemanticAttributes.serverAddress]: resolved.host,
        [SemanticAttributes.serverPort]: resolved.port,
      },
      eventAttributes: (event) => ({ [ROUTING_KEY]: routingKeyOf(event) }),
    });
    const { exchangeName, queueName } = resolved;
    const { logger, metrics } = this;
    const events = {
      connectionError: (error: unknown) => metrics.connectionError(error),
      reconnected: () => metrics.reconnected(),
    };
    const publishing = new AmqpConnection({ role: 'publisher', options: resolved, logger, events });
    const consuming = new AmqpConnection({ role: 'consumer', options: resolved, logger, events });
    this.#options = resolved;
    this.#connections = [publishing, consuming];
    this.#depth = new QueueDepth(
      consuming,
      queueName,
      resolved.bus.enableDlq ? resolved.dlqQueueName : undefined,
      resolved.lagRefreshIntervalMs,
    );
    this.#confirm = new ConfirmPublisher(publishing, resolved, logger);
    this.#dlq = new DeadLetterQueue(publishing, resolved);
    this.#consumer = new QueueConsumer({
      connection: consuming,
      options: resolved,
      logger,
      handle: async (message, signal) => {
        await this.pipeline.process(
          {
            value: message.content,
            headers: receivedHeaders(message),
            destination: exchangeName,
            key: headerText(message.properties.headers, AGGREGATE_ID_HEADER),
            attributes: {
              [ROUTING_KEY]: message.fields.routingKey,
              [DELIVERY_TAG]: message.fields.deliveryTag,
            },
          },
          message,
          signal,
        );
        return 'ack';
      },
      subscribed: () => metrics.rebalanced(),
      connectionError: (error) => metrics.connectionError(error),
    });
  }

  /** The exchange every event is published to. */
  get exchangeName(): string {
    return this.#options.exchangeName;
  }

  /** This consumer group's queue. */
  get queueName(): string {
    return this.#options.queueName;
  }

  /** This consumer group's dead-letter queue. */
  get dlqQueueName(): string {
    return this.#options.dlqQueueName;
  }

  get consumerGroup(): string {
    return this.#options.consumerGroup;
  }

  /** Opens the publisher connection and declares the exchange now rather than on the first `publish`. */
  async connect(): Promise<void> {
    this.assertOpen();
    this.metrics.ensureRegistered();
    await this.#confirm.ready();
  }

  protected publishEvents(events: readonly DomainEvent[]): Promise<void> {
    this.metrics.ensureRegistered();
    return this.publisher.publish(events, (messages, context) =>
      withSendContext(context, () =>
        this.#confirm.send(this.#options.exchangeName, messages.map(eventMessage)),
      ),
    );
  }

  protected async startConsumer(): Promise<void> {
    this.metrics.ensureRegistered();
    this.#depth.active = true;
    try {
      await this.#consumer.start(this.stopSignal);
    } catch (error) {
      this.#depth.active = false;
      throw error;
    }
  }

  protected async stopConsumer(): Promise<void> {
    const drained = await this.#consumer.stop(this.#options.bus.shutdownTimeoutMs);
    this.#depth.active = false;
    if (!drained)
      this.logger.warn(
        { timeout_ms: this.#options.bus.shutdownTimeoutMs },
        'Handlers still running at shutdown timeout; their messages will be redelivered',
      );
  }

  protected async closeClients(): Promise<void> {
    await this.#confirm.close();
    await Promise.all(this.#connections.map((connection) => connection.close()));
  }

  protected activeConnections(): number {
    return this.#connections.filter((connection) => connection.connected).length;
  }

  protected lagReadings(): Promise<readonly LagReading[]> {
    return this.#depth.readings();
  }

  protected override dlqSize(): Promise<number | undefined> {
    return this.#depth.dlqSize();
  }

  /** How many messages this group's dead-letter queue holds. */
  dlqMessageCount(): Promise<number> {
    this.assertOpen();
    return this.#dlq.count();
  }

  /** Reads this group's dead letters (oldest first) for inspection; nothing is removed. */
  readDlq(options: ReadDeadLettersOptions = {}): Promise<DeadLetterMessage[]> {
    this.assertOpen();
    return this.#dlq.read(options);
  }

  /** Moves up to `limit` dead letters back to this group's queue (and no other); resolves with how many. */
  replayDlq(options: { readonly limit?: number } = {}): Promise<number> {
    this.assertOpen();
    return this.#dlq.replay(options.limit ?? 100);
  }

  protected deadLetter(letter: DeadLetter<ConsumeMessage>): Promise<void> {
    return this.#confirm.send(this.#options.dlqExchangeName, [
      deadLetterMessage(letter, this.#options.queueName),
    ]);
  }
}
