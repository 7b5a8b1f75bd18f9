import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from '@eventsource/core';
import { InFlight, isConsumptionStopped } from '@eventsource/core/kit';
import type { AmqpConnection } from './amqp-connection.ts';
import { translateRabbitMQError } from './errors.ts';
import type { ResolvedRabbitMQOptions } from './rabbitmq-event-bus-options.ts';
import { declareConsumerTopology } from './topology.ts';

/** What to do with a delivery once its work is done: acknowledge it, or give it back for redelivery. */
export type DeliveryOutcome = 'ack' | 'requeue';

export interface QueueConsumerConfig {
  readonly connection: AmqpConnection;
  readonly options: ResolvedRabbitMQOptions;
  readonly logger: Logger;
  /** Handles one delivery; a rejection gives the message back for redelivery. */
  readonly handle: (message: ConsumeMessage, signal: AbortSignal) => Promise<DeliveryOutcome>;
  /** Called each time this member (re)starts taking the group queue's messages. */
  readonly subscribed: () => void;
  readonly connectionError: (error: unknown) => void;
}

/**
 * The member of a consumer group: one channel on the consumer connection with `prefetchCount`
 * unacknowledged messages at most, handled concurrently, acknowledged one by one when their work
 * is done. When the channel or the connection is lost, the broker requeues what was not
 * acknowledged (another member, or this one later, gets it) and the consumer re-subscribes by
 * itself once the connection is back.
 */
export class QueueConsumer {
  readonly #config: QueueConsumerConfig;
  readonly #inFlight = new InFlight();
  readonly #closedChannels = new WeakSet<Channel>();
  #channel: Channel | undefined;
  #consumerTag: string | undefined;
  #active = false;
  #signal: AbortSignal = new AbortController().signal;
  #removeListener: (() => void) | undefined;
  #subscribing: Promise<void> | undefined;

  constructor(config: QueueConsumerConfig) {
    this.#config = config;
  }

  /** Messages being handled now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Subscribes to the group queue; resolves once messages flow. `signal` aborts when stopping begins. */
  async start(signal: AbortSignal): Promise<void> {
    this.#active = true;
    this.#signal = signal;
    this.#removeListener = this.#config.connection.onConnected((model, reconnect) =>
      reconnect ? this.#subscribe(model) : undefined,
    );
    try {
      await this.#subscribe(await this.#config.connection.connect(), true);
    } catch (error) {
      this.#active = false;
      this.#removeListener();
      throw error;
    }
  }

  #subscribe(model: ChannelModel, rethrow = false): Promise<void> {
    const attempt = (this.#subscribing ??= this.#open(model).finally(() => {
      this.#subscribing = undefined;
    }));
    return rethrow ? attempt : attempt.catch((error: unknown) => this.#retryLater(model, error));
  }

  async #open(model: ChannelModel): Promise<void> {
    if (!this.#active || (this.#channel !== undefined && !this.#closedChannels.has(this.#channel))) return;
    const { options, logger } = this.#config;
    let channel: Channel | undefined;
    try {
      channel = await model.createChannel();
      const opened = channel;
      opened.on('error', (error: Error) =>
        logger.warn({ error: error.message }, 'RabbitMQ consumer channel error'),
      );
      opened.on('close', () => {
        this.#closedChannels.add(opened);
        if (this.#channel !== opened) return;
        this.#channel = undefined;
        // The channel alone went away (the connection's own loss is handled by its reconnect).
        if (this.#active) this.#retryLater(model, undefined);
      });
      await declareConsumerTopology(opened, options);
      await opened.prefetch(options.prefetchCount);
      const { consumerTag } = await opened.consume(
        options.queueName,
        (message) => this.#onMessage(opened, message),
        { noAck: false, consumerTag: `${options.consumerName}-${randomUUID().slice(0, 8)}` },
      );
      this.#channel = opened;
      this.#consumerTag = consumerTag;
    } catch (error) {
      await channel?.close().catch(() => undefined);
      throw translateRabbitMQError(error, `consume from queue "${options.queueName}"`, [options.password]);
    }
    this.#config.subscribed();
    logger.debug({ queue: options.queueName, consumer_tag: this.#consumerTag }, 'Consuming from RabbitMQ');
  }

  #retryLater(model: ChannelModel, error: unknown): void {
    if (error !== undefined) {
      this.#config.connectionError(error);
      this.#config.logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'Subscribing to the RabbitMQ queue failed; retrying',
      );
    }
    setTimeout(() => {
      if (this.#active && this.#config.connection.current === model) void this.#subscribe(model);
    }, this.#config.options.reconnectDelayMs).unref();
  }

  #onMessage(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled this consumer (its queue was deleted): re-subscribing re-declares it.
      this.#config.logger.warn({ queue: this.#config.options.queueName }, 'RabbitMQ cancelled the consumer');
      void channel.close().catch(() => undefined);
      return;
    }
    void this.#inFlight.track(this.#deliver(channel, message));
  }

  async #deliver(channel: Channel, message: ConsumeMessage): Promise<void> {
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.#config.handle(message, this.#signal);
    } catch (error) {
      outcome = 'requeue';
      if (!isConsumptionStopped(error))
        this.#config.logger.error(
          {
            error: error instanceof Error ? error.message : String(error),
            delivery_tag: message.fields.deliveryTag,
          },
          'Message could not be settled; it goes back to the queue',
        );
    }
    // A closed channel already gave its unacknowledged messages back to the queue.
    if (this.#closedChannels.has(channel)) return;
    try {
      if (outcome === 'ack') channel.ack(message);
      else channel.nack(message, false, true);
    } catch (error) {
      this.#config.logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'Acknowledging a message failed; it will be redelivered',
      );
    }
  }

  /**
   * Stops taking messages, waits up to `timeoutMs` for the ones in flight (their back-offs end at
   * once through the stop signal), then closes the channel, which gives anything unacknowledged
   * back to the queue. Resolves `false` when handlers were still running at the timeout.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    this.#active = false;
    this.#removeListener?.();
    await this.#subscribing?.catch(() => undefined);
    const channel = this.#channel;
    const consumerTag = this.#consumerTag;
    if (channel !== undefined && consumerTag !== undefined && !this.#closedChannels.has(channel))
      await channel.cancel(consumerTag).catch(() => undefined);
    const drained = await this.#inFlight.drain(timeoutMs);
    this.#channel = undefined;
    this.#consumerTag = undefined;
    await channel?.close().catch(() => undefined);
    return drained;
  }
}
