import { ClosedError, InvalidArgumentError } from '../errors.ts';
import type { DomainEvent, EventDefinition } from '../events/domain-event.ts';
import { getLogger, type Logger } from '../logging/logger.ts';
import type { EventBus, EventBusCapabilities, EventHandler } from '../ports/event-bus.ts';
import { EventDispatcher, type EventDispatcherOptions } from './event-dispatcher.ts';

export interface BrokerEventBusConfig extends EventDispatcherOptions {
  /** The class name, in `ClosedError` messages. */
  readonly busName: string;
}

/**
 * The lifecycle every broker bus shares, so each adapter implements only its driver: handler
 * registration, `publish` refused with {@link ClosedError} after `close`, `startConsuming` and
 * `stopConsuming` that are idempotent and safe to call concurrently, `close` that stops consuming
 * then closes the clients (twice is harmless), and `await using`.
 *
 * Subclasses implement four hooks; each is called at most once per start/stop/close.
 */
export abstract class BrokerEventBus implements EventBus, AsyncDisposable {
  abstract readonly capabilities: EventBusCapabilities;
  protected readonly dispatcher: EventDispatcher;
  protected readonly logger: Logger;
  readonly #busName: string;
  #starting: Promise<void> | undefined;
  #consuming = false;
  #stopping: Promise<void> | undefined;
  #stopSignal = new AbortController();
  #closed: Promise<void> | undefined;

  protected constructor(config: BrokerEventBusConfig) {
    this.#busName = config.busName;
    this.logger = getLogger(config.loggerName);
    this.dispatcher = new EventDispatcher(config);
  }

  /** Sends `events` to the broker; resolves once the broker accepted every one. */
  protected abstract publishEvents(events: readonly DomainEvent[]): Promise<void>;
  /** Connects, declares what consuming needs and starts taking messages; resolves once consuming. */
  protected abstract startConsumer(): Promise<void>;
  /**
   * Stops taking messages and waits (up to the shutdown timeout) for the ones in flight. `signal` is
   * already aborted: back-off waits end and their messages are left for redelivery.
   */
  protected abstract stopConsumer(signal: AbortSignal): Promise<void>;
  /** Closes every client the bus created (never one it was handed). */
  protected abstract closeClients(): Promise<void>;

  /** Aborted when a stop begins; a fresh one is made for each start. */
  protected get stopSignal(): AbortSignal {
    return this.#stopSignal.signal;
  }

  /** True between a successful `startConsuming` and `stopConsuming`. */
  get consuming(): boolean {
    return this.#consuming;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(events))
      throw new InvalidArgumentError(`${this.#busName}.publish takes an array of events`);
    await this.publishEvents(events);
  }

  subscribe<TType extends string, TData>(
    eventType: EventDefinition<TType, TData>,
    handler: EventHandler<DomainEvent<TType, TData>>,
  ): () => void;
  subscribe(eventType: string, handler: EventHandler): () => void;
  subscribe(eventType: string | EventDefinition, handler: EventHandler<never>): () => void {
    return this.dispatcher.subscribe(eventType, handler as EventHandler);
  }

  subscribeAll(handler: EventHandler): () => void {
    return this.dispatcher.subscribeAll(handler);
  }

  unsubscribe(eventType: string | EventDefinition, handler: EventHandler): boolean {
    return this.dispatcher.unsubscribe(eventType, handler);
  }

  startConsuming(): Promise<void> {
    this.assertOpen();
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    this.#stopSignal = new AbortController();
    try {
      await this.startConsumer();
      this.#consuming = true;
    } catch (error) {
      this.#starting = undefined;
      throw error;
    }
  }

  stopConsuming(): Promise<void> {
    this.#stopping ??= this.#stop().finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const starting = this.#starting;
    if (starting === undefined) return;
    await starting.catch(() => undefined);
    if (this.#starting !== starting) return;
    this.#starting = undefined;
    if (!this.#consuming) return;
    this.#consuming = false;
    this.#stopSignal.abort();
    await this.stopConsumer(this.#stopSignal.signal);
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    await this.stopConsuming();
    await this.closeClients();
    this.dispatcher.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  protected assertOpen(): void {
    if (this.#closed !== undefined) throw new ClosedError(this.#busName);
  }
}
