import type { DomainEvent, EventDefinition } from '../events/domain-event.ts';
import type { EventPublisher } from './event-store.ts';

/** A function, or an object with `handle` (its class name or `name` is the handler's name in spans). */
export type EventHandler<TEvent extends DomainEvent = DomainEvent> =
  | ((event: TEvent) => Promise<void> | void)
  | { readonly name?: string; handle(event: TEvent): Promise<void> | void };

/**
 * Delivers published events to subscribed handlers, in process or across services.
 *
 * Delivery is at least once: handlers must be idempotent. Every handler of an event runs even when
 * another fails; failures are reported together as a `HandlerDispatchError`.
 */
export interface EventBus extends EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
  /** Subscribes `handler` to one event type. Returns a function that unsubscribes it. */
  subscribe<TType extends string, TData>(
    eventType: EventDefinition<TType, TData>,
    handler: EventHandler<DomainEvent<TType, TData>>,
  ): () => void;
  subscribe(eventType: string, handler: EventHandler): () => void;
  /** Subscribes `handler` to every event. */
  subscribeAll(handler: EventHandler): () => void;
  unsubscribe(eventType: string | EventDefinition, handler: EventHandler): boolean;
  close(): Promise<void>;
}

/** The name a handler shows in spans and metrics. */
export function handlerNameOf(handler: EventHandler): string {
  if (typeof handler === 'function') return handler.name || 'anonymous';
  return handler.name ?? handler.constructor.name;
}

/** Calls a handler of either shape. */
export function invokeHandler<TEvent extends DomainEvent>(
  handler: EventHandler<TEvent>,
  event: TEvent,
): Promise<void> | void {
  return typeof handler === 'function' ? handler(event) : handler.handle(event);
}

export function eventTypeOf(eventType: string | EventDefinition): string {
  return typeof eventType === 'string' ? eventType : eventType.eventType;
}
