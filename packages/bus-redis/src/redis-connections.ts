import { Redis, type RedisOptions } from 'ioredis';
import { ClosedError, type Logger } from '@eventsource/core';
import { isAuthenticationError, redact } from './errors.ts';

/** What the connections report to the bus's metrics. */
export interface ConnectionEvents {
  connectionError(error: unknown): void;
  reconnected(): void;
}

/**
 * The bus's ioredis connections: one for commands (publishes, acknowledgements, claims, the DLQ,
 * lag readings), opened on first use, and one per consumer run for the blocking `XREADGROUP`,
 * which holds its connection for up to `blockMs` and so cannot share it.
 *
 * Both reconnect by themselves. A command issued while disconnected waits in ioredis' offline
 * queue and is sent after the reconnect; its promise settles only with the server's answer, so a
 * resolved `XADD` was accepted. After `maxRetriesPerRequest` failed attempts it rejects. A command
 * in flight when the connection broke is sent again after the reconnect (ioredis'
 * `autoResendUnfulfilledCommands`): an `XADD` may then be stored twice, with the same `event_id`.
 */
export class RedisConnections {
  readonly #options: RedisOptions;
  readonly #events: ConnectionEvents;
  readonly #logger: Logger;
  readonly #address: string;
  readonly #open = new Set<Redis>();
  #command: Redis | undefined;
  #refusedCredentials: unknown;
  #closed = false;

  constructor(options: RedisOptions, address: string, events: ConnectionEvents, logger: Logger) {
    this.#options = options;
    this.#address = address;
    this.#events = events;
    this.#logger = logger;
  }

  /**
   * The command connection (created on first call; it connects with its first command). After
   * `close()` it throws `ClosedError` rather than open a connection nobody would close.
   */
  command(): Redis {
    if (this.#closed) throw new ClosedError('RedisEventBus');
    this.#command ??= this.#create('command', this.#options);
    return this.#command;
  }

  /**
   * A new connection for blocking reads. Its commands wait through any outage (no per-request
   * retry limit, no socket timeout: a blocked read receives nothing for up to `blockMs`) because the read loop owns retrying; closing it ends them.
   */
  reader(): Redis {
    return this.#create('reader', {
      ...this.#options,
      maxRetriesPerRequest: null,
      socketTimeout: undefined,
    });
  }

  /**
   * The server's refusal of the credentials, while connections keep failing because of it: a
   * command that gave up then failed for this reason, which ioredis reports only as an event.
   */
  get refusedCredentials(): unknown {
    return this.#refusedCredentials;
  }

  /** Connections currently ready for commands. */
  get activeCount(): number {
    let count = 0;
    for (const connection of this.#open) if (connection.status === 'ready') count += 1;
    return count;
  }

  /** Closes one connection at once, failing its pending commands (an unfinished blocking read). */
  release(connection: Redis): void {
    this.#open.delete(connection);
    connection.disconnect();
  }

  /** Closes every connection: the command connection after its queued commands went out. */
  async close(): Promise<void> {
    this.#closed = true;
    const command = this.#command;
    this.#command = undefined;
    for (const connection of this.#open) if (connection !== command) this.release(connection);
    if (command === undefined) return;
    this.#open.delete(command);
    if (command.status === 'ready') await command.quit().catch(() => command.disconnect());
    else command.disconnect();
  }

  #create(role: 'command' | 'reader', options: RedisOptions): Redis {
    const connection = new Redis(options);
    let wasReady = false;
    connection.on('ready', () => {
      if (wasReady) {
        this.#events.reconnected();
        this.#logger.info({ role, redis: this.#address }, 'Reconnected to Redis');
      }
      wasReady = true;
      this.#refusedCredentials = undefined;
    });
    connection.on('error', (error: unknown) => {
      if (isAuthenticationError(error)) this.#refusedCredentials = error;
      this.#events.connectionError(error);
      const message = redact(error instanceof Error ? error.message : String(error), [options.password]);
      this.#logger.warn({ role, redis: this.#address, error: message }, 'Redis connection error');
    });
    this.#open.add(connection);
    return connection;
  }
}
