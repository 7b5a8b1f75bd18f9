import type { Notification, Pool, PoolClient } from 'pg';
import { createHash } from 'node:crypto';
import { errorTypeOf, getLogger, InvalidArgumentError, LoggerNames } from '@eventsource/core';

const RECONNECT_DELAYS_MS = [100, 250, 500, 1000, 2000, 5000];

/**
 * Wakes `onAppend` listeners. Appends made through this store wake them directly; with
 * notifications on, one client borrowed from the pool LISTENs on the store's channel so appends
 * from other processes wake them too. A wake-up is only a hint: readers still poll the store.
 * The listening client exists only while someone listens, is re-established after a connection
 * loss, and is handed back to the pool (never the pool ended) when the last listener leaves.
 */
export class AppendNotifier {
  readonly #pool: Pool;
  readonly #channel: string | undefined;
  readonly #listeners = new Set<() => void>();
  readonly #logger = getLogger(LoggerNames.storesPostgresql);
  #client: PoolClient | undefined;
  #connecting: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;

  /** `channel`: the NOTIFY channel, or `undefined` for local wake-ups only. */
  constructor(pool: Pool, channel: string | undefined) {
    this.#pool = pool;
    this.#channel = channel;
  }

  /** Resolves once the LISTEN is in place (immediately without notifications or listeners). */
  get ready(): Promise<void> {
    return this.#connecting ?? Promise.resolve();
  }

  subscribe(listener: () => void): () => void {
    if (this.#closed) return () => false;
    this.#listeners.add(listener);
    this.#ensureListening();
    return () => {
      const removed = this.#listeners.delete(listener);
      if (this.#listeners.size === 0) void this.#stopListening();
      return removed;
    };
  }

  /** Wakes local listeners (after an append by this process). */
  notifyLocal(): void {
    if (this.#listeners.size === 0) return;
    queueMicrotask(() => this.#wake());
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#stopListening();
  }

  #wake(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        this.#logger.warn({ error: errorTypeOf(error) }, 'append listener threw');
      }
    }
  }

  #ensureListening(): void {
    if (
      this.#channel === undefined ||
      this.#closed ||
      this.#client !== undefined ||
      this.#connecting !== undefined
    )
      return;
    if (this.#retryTimer !== undefined) return;
    this.#connecting = this.#listen(this.#channel).finally(() => {
      this.#connecting = undefined;
    });
  }

  async #listen(channel: string): Promise<void> {
    let client: PoolClient | undefined;
    try {
      client = await this.#pool.connect();
      client.on('notification', this.#onNotification);
      client.on('error', this.#onClientError);
      await client.query(`LISTEN ${quoteChannel(channel)}`);
      if (this.#closed || this.#listeners.size === 0) {
        await this.#release(client);
        return;
      }
      this.#client = client;
      this.#failures = 0;
    } catch (error) {
      if (client !== undefined) this.#discard(client, error);
      this.#scheduleRetry(error);
    }
  }

  readonly #onNotification = (message: Notification): void => {
    if (message.channel === this.#channel) this.#wake();
  };

  readonly #onClientError = (error: unknown): void => {
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) this.#discard(client, error);
    // Whatever happened while the connection was down is only visible by reading: wake everyone.
    this.#wake();
    this.#scheduleRetry(error);
  };

  #scheduleRetry(error: unknown): void {
    if (this.#closed || this.#listeners.size === 0 || this.#retryTimer !== undefined) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.#failures, RECONNECT_DELAYS_MS.length - 1)]!;
    this.#failures += 1;
    this.#logger.warn(
      { error: errorTypeOf(error), retry_in_ms: delay },
      'LISTEN connection lost; reconnecting',
    );
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#ensureListening();
    }, delay);
    this.#retryTimer.unref();
  }

  #discard(client: PoolClient, error: unknown): void {
    client.off('notification', this.#onNotification);
    client.off('error', this.#onClientError);
    client.on('error', () => undefined);
    client.release(error instanceof Error ? error : true);
  }

  async #release(client: PoolClient): Promise<void> {
    client.off('notification', this.#onNotification);
    try {
      await client.query('UNLISTEN *');
      client.off('error', this.#onClientError);
      client.release();
    } catch (error) {
      this.#discard(client, error);
    }
  }

  async #stopListening(): Promise<void> {
    if (this.#retryTimer !== undefined) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
    }
    await this.#connecting;
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined && (this.#closed || this.#listeners.size === 0)) await this.#release(client);
    else if (client !== undefined) this.#client = client;
  }
}

/** Channel names are built from validated identifiers joined by "." (see `notificationChannel`). */
function quoteChannel(channel: string): string {
  if (!/^[a-z0-9_.]{1,63}$/.test(channel))
    throw new InvalidArgumentError(`Invalid notification channel "${channel}"`);
  return `"${channel}"`;
}

/** The NOTIFY channel of an events table: `schema.table`, or a digest of it when that is too long. */
export function notificationChannel(schema: string, eventsTable: string): string {
  const channel = `${schema}.${eventsTable}`;
  if (channel.length <= 63) return channel;
  return `eventsource_${createHash('sha1').update(channel).digest('hex').slice(0, 32)}`;
}
