import type { Channel, ConfirmChannel, GetMessage } from 'amqplib';
import type { DeadLetterMessage, ReadDeadLettersOptions } from '@eventsource/core';
import { BusHeaders, headerText } from '@eventsource/core/kit';
import type { AmqpConnection } from './amqp-connection.ts';
import { AGGREGATE_ID_HEADER, copiedProperties } from './amqp-messages.ts';
import { translateRabbitMQError } from './errors.ts';
import type { ResolvedRabbitMQOptions } from './rabbitmq-event-bus-options.ts';
import { declareDeadLetterQueue } from './topology.ts';

/** Header of a replayed message: how many times it came back from the DLQ. */
export const REPLAY_COUNT_HEADER = 'dlq_replay_count';

/**
 * The group's dead-letter queue, for operators: count, read without removing, replay. Each
 * operation uses a channel of its own on the publisher connection, closed afterwards (closing
 * gives back whatever was read but not removed, in its original order).
 */
export class DeadLetterQueue {
  readonly #connection: AmqpConnection;
  readonly #options: ResolvedRabbitMQOptions;

  constructor(connection: AmqpConnection, options: ResolvedRabbitMQOptions) {
    this.#connection = connection;
    this.#options = options;
  }

  async #withChannel<T>(
    operation: string,
    confirm: boolean,
    fn: (channel: Channel | ConfirmChannel) => Promise<T>,
  ): Promise<T> {
    const model = await this.#connection.connect();
    let channel: Channel | undefined;
    try {
      channel = confirm ? await model.createConfirmChannel() : await model.createChannel();
      channel.on('error', () => undefined);
      await declareDeadLetterQueue(channel, this.#options);
      return await fn(channel);
    } catch (error) {
      throw translateRabbitMQError(error, `${operation} "${this.#options.dlqQueueName}"`, [
        this.#options.password,
      ]);
    } finally {
      await channel?.close().catch(() => undefined);
    }
  }

  /** Messages in the DLQ now (the broker's count of ready messages). */
  count(): Promise<number> {
    return this.#withChannel('count messages of', false, async (channel) => {
      const { messageCount } = await declareDeadLetterQueue(channel, this.#options);
      return messageCount;
    });
  }

  /** Up to `limit` dead letters, oldest first; nothing is removed. */
  read(options: ReadDeadLettersOptions = {}): Promise<DeadLetterMessage[]> {
    const limit = options.limit ?? 100;
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    return this.#withChannel('read', false, async (channel) => {
      const messages: DeadLetterMessage[] = [];
      while (messages.length < limit && Date.now() < deadline) {
        const message = await channel.get(this.#options.dlqQueueName, { noAck: false });
        if (message === false) break;
        messages.push(deadLetterOf(message));
      }
      return messages;
    });
  }

  /**
   * Moves up to `limit` dead letters (oldest first) back to this group's own queue through the
   * default exchange, so no other group sees them again: `dlq_*` headers removed,
   * `dlq_replay_count` incremented. Each is removed from the DLQ only after the broker confirmed
   * its copy. Resolves with how many were moved.
   */
  replay(limit = 100): Promise<number> {
    return this.#withChannel('replay', true, async (channel) => {
      let moved = 0;
      while (moved < limit) {
        const message = await channel.get(this.#options.dlqQueueName, { noAck: false });
        if (message === false) break;
        const headers: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(message.properties.headers ?? {}))
          if (!name.startsWith('dlq_') && !name.startsWith('x-')) headers[name] = value;
        headers[REPLAY_COUNT_HEADER] = String(
          Number(headerText(message.properties.headers, REPLAY_COUNT_HEADER) ?? 0) + 1,
        );
        channel.sendToQueue(
          this.#options.queueName,
          message.content,
          copiedProperties(message.properties, headers),
        );
        await (channel as ConfirmChannel).waitForConfirms();
        channel.ack(message);
        moved += 1;
      }
      return moved;
    });
  }
}

function deadLetterOf(message: GetMessage): DeadLetterMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.properties.headers ?? {})) {
    const text = headerText({ [name]: value as string }, name);
    if (text !== undefined) headers[name] = text;
  }
  return {
    id: String(message.properties.messageId ?? headers[BusHeaders.eventId] ?? message.fields.deliveryTag),
    key: headers[AGGREGATE_ID_HEADER],
    value: message.content.toString('utf8'),
    headers,
    reason: headers[BusHeaders.dlqReason],
  };
}
