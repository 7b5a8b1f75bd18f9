import amqplib from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { ClosedError, sleep, type Logger } from '@eventsource/core';
import { translateRabbitMQError } from './errors.ts';
import type { ResolvedRabbitMQOptions } from './rabbitmq-event-bus-options.ts';
import { scrubSecrets } from './redact-url.ts';

/** What a connection reports to the bus's metrics. */
export interface ConnectionEvents {
  connectionError(error: unknown): void;
  reconnected(): void;
}

/** Called after every successful connect; `reconnect` is false for the first one. */
export type ConnectedListener = (model: ChannelModel, reconnect: boolean) => Promise<void> | void;

export interface AmqpConnectionConfig {
  /** `publisher` or `consumer`: shown in logs and as part of the broker's connection name. */
  readonly role: string;
  readonly options: ResolvedRabbitMQOptions;
  readonly logger: Logger;
  readonly events: ConnectionEvents;
}

/**
 * One AMQP connection that comes back by itself (amqplib does not reconnect). Once connected, a
 * lost connection is re-opened in the background with doubling delays from `reconnectDelayMs` up
 * to `maxReconnectDelayMs`, and every {@link ConnectedListener} runs again so channels, topology
 * and consumers are rebuilt. {@link connect} never waits out a back-off: it tries at once (sharing
 * an attempt already in flight) and fails with `UnavailableError` when the broker is unreachable.
 */
export class AmqpConnection {
  readonly #config: AmqpConnectionConfig;
  readonly #listeners = new Set<ConnectedListener>();
  #model: ChannelModel | undefined;
  #attempt: Promise<ChannelModel> | undefined;
  #everConnected = false;
  #blockedReason: string | undefined;
  #reconnecting = false;
  #closed = false;
  readonly #closing = new AbortController();

  constructor(config: AmqpConnectionConfig) {
    this.#config = config;
  }

  get connected(): boolean {
    return this.#model !== undefined;
  }

  /**
   * Why the broker blocked this connection (a resource alarm: `low on memory`, `low on disk`),
   * while it does; `undefined` otherwise. A blocked connection's publishes wait unconfirmed.
   */
  get blockedReason(): string | undefined {
    return this.#blockedReason;
  }

  /** The live connection, if any, without trying to open one. */
  get current(): ChannelModel | undefined {
    return this.#model;
  }

  /** Runs `listener` after each (re)connect, and now if connected. Returns a function that removes it. */
  onConnected(listener: ConnectedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The live connection, opening it now if needed; `UnavailableError` when that fails. */
  async connect(): Promise<ChannelModel> {
    if (this.#closed) throw new ClosedError(`RabbitMQ ${this.#config.role} connection`);
    if (this.#model !== undefined) return this.#model;
    return this.#attemptOnce();
  }

  #attemptOnce(): Promise<ChannelModel> {
    this.#attempt ??= this.#open().finally(() => {
      this.#attempt = undefined;
    });
    return this.#attempt;
  }

  async #open(): Promise<ChannelModel> {
    const { options, role } = this.#config;
    let model: ChannelModel;
    try {
      model = await amqplib.connect(connectionUrl(options), {
        ...options.socketOptions,
        clientProperties: { connection_name: `${options.consumerName} ${role}` },
      });
    } catch (error) {
      this.#config.events.connectionError(error);
      throw translateRabbitMQError(
        error,
        `connect to ${options.host}:${options.port} as ${options.username}`,
        [options.password],
      );
    }
    if (this.#closed) {
      await model.close().catch(() => undefined);
      throw new ClosedError(`RabbitMQ ${role} connection`);
    }
    this.#install(model);
    const reconnect = this.#everConnected;
    this.#everConnected = true;
    if (reconnect) {
      this.#config.events.reconnected();
      this.#config.logger.info({ role, url: options.safeUrl }, 'RabbitMQ connection re-established');
    }
    for (const listener of [...this.#listeners]) {
      try {
        await listener(model, reconnect);
      } catch (error) {
        this.#config.events.connectionError(error);
        this.#config.logger.error(
          { role, error: this.#describe(error) },
          'Setting up after connecting to RabbitMQ failed',
        );
      }
    }
    return model;
  }

  #install(model: ChannelModel): void {
    const { role } = this.#config;
    this.#model = model;
    // A fatal error is followed by 'close', where the loss is counted once.
    model.on('error', (error: Error) =>
      this.#config.logger.warn({ role, error: this.#describe(error) }, 'RabbitMQ connection error'),
    );
    this.#blockedReason = undefined;
    model.on('blocked', (reason: string) => {
      if (this.#model === model) this.#blockedReason = reason;
      this.#config.logger.warn({ role, reason }, 'RabbitMQ blocked the connection (resource alarm)');
    });
    model.on('unblocked', () => {
      if (this.#model === model) this.#blockedReason = undefined;
      this.#config.logger.info({ role }, 'RabbitMQ unblocked the connection');
    });
    model.on('close', (error?: Error) => {
      if (this.#model !== model) return;
      this.#model = undefined;
      this.#blockedReason = undefined;
      if (this.#closed) return;
      this.#config.events.connectionError(error ?? new Error('RabbitMQ closed the connection'));
      this.#config.logger.warn(
        { role, error: error === undefined ? undefined : this.#describe(error) },
        'RabbitMQ connection lost; reconnecting',
      );
      void this.#reconnectLoop();
    });
  }

  async #reconnectLoop(): Promise<void> {
    if (this.#reconnecting) return;
    this.#reconnecting = true;
    const { reconnectDelayMs, maxReconnectDelayMs } = this.#config.options;
    let delay = reconnectDelayMs;
    try {
      while (!this.#closed && this.#model === undefined) {
        await sleep(delay, this.#closing.signal);
        if (this.#closed || this.#model !== undefined) return;
        try {
          await this.#attemptOnce();
        } catch (error) {
          this.#config.logger.debug(
            { role: this.#config.role, error: this.#describe(error), next_delay_ms: delay },
            'RabbitMQ reconnect attempt failed',
          );
          delay = Math.min(Math.max(delay * 2, 1), maxReconnectDelayMs);
        }
      }
    } finally {
      this.#reconnecting = false;
    }
  }

  #describe(error: unknown): string {
    return scrubSecrets(error instanceof Error ? error.message : String(error), [
      this.#config.options.password,
    ]);
  }

  /** Stops reconnecting and closes the connection (its channels close with it; unacked messages are requeued). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    const model = this.#model ?? (await this.#attempt?.catch(() => undefined));
    this.#model = undefined;
    await model?.close().catch(() => undefined);
  }
}

/** The URL with the heartbeat setting applied unless the URL sets one itself. */
function connectionUrl(options: ResolvedRabbitMQOptions): string {
  const url = new URL(options.url);
  if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(options.heartbeatSeconds));
  return url.toString();
}
