import type { LagReading } from '@eventsource/core/kit';
import type { AmqpConnection } from './amqp-connection.ts';

/**
 * The gauges' source: messages ready in the group's queue (RabbitMQ has no offsets, so the
 * backlog stands in for consumer lag) and in its dead-letter queue. Read passively on a
 * short-lived channel of the consumer connection, each at most every `maxAgeMs`; nothing is read
 * (and no connection opened) while the bus is not consuming or the broker is unreachable.
 */
export class QueueDepth {
  readonly #connection: AmqpConnection;
  readonly #queue: string;
  readonly #dlq: string | undefined;
  readonly #maxAgeMs: number;
  readonly #cached = new Map<string, { readonly at: number; readonly count: number }>();
  #active = false;

  constructor(connection: AmqpConnection, queue: string, dlq: string | undefined, maxAgeMs: number) {
    this.#connection = connection;
    this.#queue = queue;
    this.#dlq = dlq;
    this.#maxAgeMs = maxAgeMs;
  }

  set active(active: boolean) {
    this.#active = active;
    this.#cached.clear();
  }

  async readings(): Promise<readonly LagReading[]> {
    const count = await this.#count(this.#queue);
    return count === undefined ? [] : [{ lag: count, destination: this.#queue }];
  }

  /** Messages in the dead-letter queue, or undefined when it cannot be told now (or there is none). */
  dlqSize(): Promise<number | undefined> {
    return this.#dlq === undefined ? Promise.resolve(undefined) : this.#count(this.#dlq);
  }

  async #count(queue: string): Promise<number | undefined> {
    const model = this.#connection.current;
    if (!this.#active || model === undefined) return undefined;
    const cached = this.#cached.get(queue);
    if (cached !== undefined && performance.now() - cached.at < this.#maxAgeMs) return cached.count;
    try {
      const channel = await model.createChannel();
      channel.on('error', () => undefined);
      try {
        const { messageCount } = await channel.checkQueue(queue);
        this.#cached.set(queue, { at: performance.now(), count: messageCount });
        return messageCount;
      } finally {
        await channel.close().catch(() => undefined);
      }
    } catch {
      return undefined;
    }
  }
}
