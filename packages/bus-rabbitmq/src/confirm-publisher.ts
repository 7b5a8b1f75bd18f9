import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { UnavailableError, type Logger } from '@eventsource/core';
import type { AmqpConnection } from './amqp-connection.ts';
import { translateRabbitMQError, UnconfirmedPublishError, type UnconfirmedMessage } from './errors.ts';
import type { ResolvedRabbitMQOptions } from './rabbitmq-event-bus-options.ts';
import { declareExchange } from './topology.ts';

/** One message for {@link ConfirmPublisher.send}. */
export interface AmqpMessage {
  readonly routingKey: string;
  readonly content: Buffer;
  readonly properties: Options.Publish;
  /** Names the message in an {@link UnconfirmedPublishError}. */
  readonly eventId: string;
  readonly eventType: string;
}

type Outcome =
  | { readonly confirmed: true }
  | { readonly confirmed: false; readonly reason: string; readonly error: unknown };

/**
 * Publishes on a confirm channel and resolves only once the broker confirmed every message. The
 * channel is opened on first use on the publisher connection, re-opened after it or the
 * connection is lost, and declares the bus's exchange when it opens (publishing to a missing
 * exchange would close it).
 */
export class ConfirmPublisher {
  readonly #connection: AmqpConnection;
  readonly #options: ResolvedRabbitMQOptions;
  readonly #logger: Logger;
  #channel: Promise<ConfirmChannel> | undefined;

  constructor(connection: AmqpConnection, options: ResolvedRabbitMQOptions, logger: Logger) {
    this.#connection = connection;
    this.#options = options;
    this.#logger = logger;
  }

  /** Opens the connection and the channel now rather than on the first publish. */
  async ready(): Promise<void> {
    await this.#confirmChannel();
  }

  #confirmChannel(): Promise<ConfirmChannel> {
    this.#channel ??= this.#open().catch((error: unknown) => {
      this.#channel = undefined;
      throw error;
    });
    return this.#channel;
  }

  async #open(): Promise<ConfirmChannel> {
    const model: ChannelModel = await this.#connection.connect();
    let channel: ConfirmChannel;
    try {
      channel = await model.createConfirmChannel();
    } catch (error) {
      throw translateRabbitMQError(error, 'open a confirm channel', [this.#options.password]);
    }
    const opened = this.#channel;
    channel.setMaxListeners(0);
    channel.on('error', (error: Error) =>
      this.#logger.warn({ error: error.message }, 'RabbitMQ publish channel error'),
    );
    channel.on('close', () => {
      if (this.#channel === opened) this.#channel = undefined;
    });
    try {
      await declareExchange(channel, this.#options);
    } catch (error) {
      throw translateRabbitMQError(error, `declare exchange "${this.#options.exchangeName}"`, [
        this.#options.password,
      ]);
    }
    return channel;
  }

  /**
   * Publishes `messages` to `exchange` in order, waiting for the channel to drain when its buffer
   * is full, and resolves once every one is confirmed. Rejects with {@link UnconfirmedPublishError}
   * naming each message that was nacked, not sent, lost with the channel or connection, or not
   * confirmed within `publishTimeoutMs` (the others are confirmed; a message sent but not
   * confirmed may still reach the queue later, when a blocking alarm clears); with
   * `AuthenticationError` when the broker refused the login, and `InvalidArgumentError` when the
   * broker refused the exchange declaration or amqplib a message.
   */
  async send(exchange: string, messages: readonly AmqpMessage[]): Promise<void> {
    let channel: ConfirmChannel;
    try {
      channel = await this.#confirmChannel();
    } catch (error) {
      // Nothing was sent. A refused login, a bad declaration or a closed bus say more as they are.
      if (!(error instanceof UnavailableError)) throw error;
      throw new UnconfirmedPublishError(
        exchange,
        messages.length,
        messages.map((message) => unconfirmed(message, 'not sent: broker unreachable')),
        (error as { cause?: unknown }).cause ?? error,
      );
    }
    // Settles every outcome still open: the channel closed, or the publish timed out.
    const ended = Promise.withResolvers<Outcome>();
    const onClose = () =>
      ended.resolve({ confirmed: false, reason: 'not confirmed: channel closed', error: undefined });
    channel.once('close', onClose);
    const timeoutMs = this.#options.publishTimeoutMs;
    const timer = setTimeout(() => {
      const blocked = this.#connection.blockedReason;
      ended.resolve({
        confirmed: false,
        reason: `not confirmed within ${timeoutMs} ms${blocked === undefined ? '' : ` (the broker blocked the connection: ${blocked})`}`,
        error: undefined,
      });
    }, timeoutMs);
    const outcomes: Promise<Outcome>[] = [];
    try {
      for (const message of messages) {
        let writable: boolean;
        const confirmation = Promise.withResolvers<Outcome>();
        try {
          writable = channel.publish(
            exchange,
            message.routingKey,
            message.content,
            message.properties,
            (error: unknown) =>
              confirmation.resolve(
                error === null || error === undefined
                  ? { confirmed: true }
                  : { confirmed: false, reason: nackReason(error), error },
              ),
          );
        } catch (error) {
          if (error instanceof RangeError || error instanceof TypeError)
            throw translateRabbitMQError(error, `publish ${message.eventType} ${message.eventId}`, [
              this.#options.password,
            ]);
          confirmation.resolve({ confirmed: false, reason: 'not sent: channel closed', error });
          writable = true;
        }
        outcomes.push(Promise.race([confirmation.promise, ended.promise]));
        if (!writable)
          await Promise.race([new Promise((resolve) => channel.once('drain', resolve)), ended.promise]);
      }
      const settled = await Promise.all(outcomes);
      const failed: UnconfirmedMessage[] = [];
      let cause: unknown;
      settled.forEach((outcome, index) => {
        if (outcome.confirmed) return;
        failed.push(unconfirmed(messages[index]!, outcome.reason));
        cause ??= outcome.error;
      });
      if (failed.length > 0) throw new UnconfirmedPublishError(exchange, messages.length, failed, cause);
    } finally {
      clearTimeout(timer);
      channel.off('close', onClose);
    }
  }

  /** Closes the channel (the connection is closed by its owner). */
  async close(): Promise<void> {
    const channel = await this.#channel?.catch(() => undefined);
    this.#channel = undefined;
    await channel?.close().catch(() => undefined);
  }
}

function unconfirmed(message: AmqpMessage, reason: string): UnconfirmedMessage {
  return { eventId: message.eventId, eventType: message.eventType, reason };
}

function nackReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.includes('nack') ? 'nacked by the broker' : `not confirmed: ${message}`;
}
