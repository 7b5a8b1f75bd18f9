import type { DomainEvent, EventDefinition } from '../events/domain-event.ts';
import type { EventPublisher } from './event-store.ts';

/** A function, or an object with `handle` (its class name or `name` is the handler's name in spans). */
export type EventHandler<TEvent extends DomainEvent = DomainEvent> =
  | ((event: TEvent) => Promise<void> | void)
  | { readonly name?: string; handle(event: TEvent): Promise<void> | void };

/**
 * What a bus guarantees beyond the port's baseline. The event-bus contract in
 * `@eventsource/testing` runs the cases of each declared capability and shows the others as skipped.
 */
export interface EventBusCapabilities {
  /** Delivers to other processes through a broker (otherwise: handlers in this process, during `publish`). */
  readonly distributed: boolean;
  /** Every consumer group gets every event; the members of one group share the work. */
  readonly consumerGroups: boolean;
  /** One aggregate's events reach a group's handlers in the order they were published. */
  readonly perAggregateOrdering: boolean;
  /** A failing message is retried with back-off that really waits, then dead-lettered with a reason; a message that cannot be decoded is dead-lettered at once. Consumption goes on. */
  readonly deadLetters: boolean;
  /** `dlqMessageCount()` and `readDlq()` (see {@link DeadLetterInspection}). */
  readonly dlqInspection: boolean;
  /** `replayDlq()` re-delivers dead letters to the group that failed them, and to no other. */
  readonly dlqReplay: boolean;
}

/**
 * Delivers published events to subscribed handlers, in process or across services.
 *
 * - **Delivery** is at least once: a handler may see an event again (after a crash, a lost
 *   acknowledgement, a redelivery), so handlers must be idempotent. Every handler of an event runs
 *   even when another fails.
 * - **`publish` resolving** means: for an in-process bus, every handler ran (it rejects with
 *   `HandlerDispatchError` when any failed); for a broker bus, the broker accepted (acknowledged,
 *   confirmed) every event — handlers run later, in whichever process consumes.
 * - **Order**: events of one aggregate are delivered in publish order where the bus declares
 *   `perAggregateOrdering`; nothing is promised across aggregates.
 * - **Consuming** is explicit on a broker bus, so a publish-only process never joins a group:
 *   `startConsuming` begins delivering to this process's handlers, `stopConsuming` stops taking
 *   messages and lets handlers in flight finish (up to the bus's shutdown timeout; what did not
 *   finish is redelivered). Both are idempotent. An in-process bus delivers during `publish` and
 *   treats both as no-ops.
 * - **`close`** stops consuming as above, then closes every client the bus created; in-flight
 *   publishes settle first or reject. Closing twice is harmless; `publish` after `close` rejects with
 *   `ClosedError`.
 */
export interface EventBus extends EventPublisher {
  readonly capabilities: EventBusCapabilities;
  /** Sends events to every subscriber (see the interface doc for what resolving means). */
  publish(events: readonly DomainEvent[]): Promise<void>;
  /** Subscribes `handler` to one event type. Returns a function that unsubscribes it. */
  subscribe<TType extends string, TData>(
    eventType: EventDefinition<TType, TData>,
    handler: EventHandler<DomainEvent<TType, TData>>,
  ): () => void;
  subscribe(eventType: string, handler: EventHandler): () => void;
  /** Subscribes `handler` to every event. Returns a function that unsubscribes it. */
  subscribeAll(handler: EventHandler): () => void;
  /** Removes one subscription; `false` when it was not there. */
  unsubscribe(eventType: string | EventDefinition, handler: EventHandler): boolean;
  /** Begins delivering events to this process's handlers; resolves once consuming. Idempotent. */
  startConsuming(): Promise<void>;
  /** Stops taking messages and waits for handlers in flight. Idempotent; harmless when not consuming. */
  stopConsuming(): Promise<void>;
  /** Stops consuming and closes what the bus created. Idempotent. */
  close(): Promise<void>;
}

/** A dead-lettered message as stored, for inspection. */
export interface DeadLetterMessage {
  /** Where it is in the DLQ (partition/offset, stream entry id, ...). */
  readonly id: string;
  /** The message key (the aggregate id), when the transport has one. */
  readonly key: string | undefined;
  /** The original message value: an encoded event, or whatever could not be decoded. */
  readonly value: string | undefined;
  /** The original headers plus the `dlq_*` ones, as text. */
  readonly headers: Readonly<Record<string, string>>;
  /** `max_retries_exceeded`, `deserialization_error` or `unknown_event_type`. */
  readonly reason: string | undefined;
}

export interface ReadDeadLettersOptions {
  /** Most messages returned, oldest first. Default 100. */
  readonly limit?: number;
  /** Give up waiting for messages after this long. Default 10000. */
  readonly timeoutMs?: number;
}

/** What a bus with the `dlqInspection` (and `dlqReplay`) capability offers operators. */
export interface DeadLetterInspection {
  /** How many messages the dead-letter queue holds now. */
  dlqMessageCount(): Promise<number>;
  /** Reads dead letters without removing them. */
  readDlq(options?: ReadDeadLettersOptions): Promise<DeadLetterMessage[]>;
  /**
   * Re-delivers up to `limit` dead letters (oldest first) to the consumer group that failed them
   * and removes them from the DLQ; resolves with how many. Only where `dlqReplay` is declared.
   */
  replayDlq?(options?: { readonly limit?: number }): Promise<number>;
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
