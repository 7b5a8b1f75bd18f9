import type { DomainEvent, EventDefinition } from '../events/domain-event.ts';
import { ClosedError } from '../errors.ts';
import { LoggerNames } from '../logging/logger.ts';
import type { TelemetryOptions } from '../observability/component-tracer.ts';
import { EventDispatcher } from '../bus/event-dispatcher.ts';
import type { EventBus, EventBusCapabilities, EventHandler } from '../ports/event-bus.ts';

/**
 * Delivers events to handlers in this process, right away, within the publisher's trace:
 * `eventsource.event_bus.dispatch` per event and `eventsource.event_bus.handle` per handler.
 * `publish` resolves after every handler ran, and rejects with `HandlerDispatchError` when any failed.
 * There is no consuming to start: `startConsuming` and `stopConsuming` do nothing.
 */
export class InMemoryEventBus implements EventBus, AsyncDisposable {
  readonly capabilities: EventBusCapabilities = Object.freeze({
    distributed: false,
    consumerGroups: false,
    perAggregateOrdering: true,
    deadLetters: false,
    dlqInspection: false,
    dlqReplay: false,
  });
  readonly #dispatcher: EventDispatcher;
  #closed = false;

  constructor(options: TelemetryOptions = {}) {
    this.#dispatcher = new EventDispatcher({
      scope: '@eventsource/core',
      loggerName: LoggerNames.busMemory,
      ...options,
    });
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    if (this.#closed) throw new ClosedError('InMemoryEventBus');
    for (const event of events) await this.#dispatcher.dispatch(event);
  }

  subscribe<TType extends string, TData>(
    eventType: EventDefinition<TType, TData>,
    handler: EventHandler<DomainEvent<TType, TData>>,
  ): () => void;
  subscribe(eventType: string, handler: EventHandler): () => void;
  subscribe(eventType: string | EventDefinition, handler: EventHandler<never>): () => void {
    return this.#dispatcher.subscribe(eventType, handler as EventHandler);
  }

  subscribeAll(handler: EventHandler): () => void {
    return this.#dispatcher.subscribeAll(handler);
  }

  unsubscribe(eventType: string | EventDefinition, handler: EventHandler): boolean {
    return this.#dispatcher.unsubscribe(eventType, handler);
  }

  async startConsuming(): Promise<void> {
    if (this.#closed) throw new ClosedError('InMemoryEventBus');
  }

  async stopConsuming(): Promise<void> {}

  async close(): Promise<void> {
    this.#closed = true;
    this.#dispatcher.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
