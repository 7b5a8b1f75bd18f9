import type { LagReading } from '@eventsource/core/kit';
import type { AmqpConnection } from './amqp-connection.ts';

/**
 * The consumer-lag gauge's source: messages ready in the group's queue (RabbitMQ has no offsets,
 * so the backlog stands in for lag). Read passively on a short-lived channel, at most every
 * `maxAgeMs`; no reading while the bus is not consuming or the broker is unreachable.
 */
export class QueueDepth {
  readonly #connection: AmqpConnection;
  readonly #queue: string;
  readonly #maxAgeMs: number;
  #active = false;
  #cached: { readonly at: number; readonly readings: readonly LagReading[] } | undefined;

  constructor(connection: AmqpConnection, queue: string, maxAgeMs: number) {
    this.#connection = connection;
    this.#queue = queue;
    this.#maxAgeMs = maxAgeMs;
  }

  set active(active: boolean) {
    this.#active = active;
    this.#cached = undefined;
  }

  async readings(): Promise<readonly LagReading[]> {
    const model = this.#connection.current;
    if (!this.#active || model === undefined) return [];
    if (this.#cached !== undefined && performance.now() - this.#cached.at < this.#maxAgeMs)
      return this.#cached.readings;
    try {
      const channel = await model.createChannel();
      channel.on('error', () => undefined);
      try {
        const { messageCount } = await channel.checkQueue(this.#queue);
        const readings = [{ lag: messageCount, destination: this.#queue }];
        this.#cached = { at: performance.now(), readings };
        return readings;
      } finally {
        await channel.close().catch(() => undefined);
      }
    } catch {
      return [];
    }
  }
}
