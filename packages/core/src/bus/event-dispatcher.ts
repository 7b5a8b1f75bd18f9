import type { DomainEvent, EventDefinition } from '../events/domain-event.ts';
import type { Span } from '../observability/otel-types.ts';
import { errorTypeOf, HandlerDispatchError } from '../errors.ts';
import { getLogger, type Logger } from '../logging/logger.ts';
import {
  ATTR_AGGREGATE_ID,
  ATTR_EVENT_ID,
  ATTR_EVENT_TYPE,
  ATTR_HANDLER_COUNT,
  ATTR_HANDLER_NAME,
  ATTR_HANDLER_SUCCESS,
  type Attributes,
} from '../observability/attributes.ts';
import { ComponentTracer, recordError, type TelemetryOptions } from '../observability/component-tracer.ts';
import { SpanNames } from '../observability/span-names.ts';
import { eventTypeOf, handlerNameOf, invokeHandler, type EventHandler } from '../ports/event-bus.ts';

export interface HandlerOutcome {
  readonly handlerName: string;
  readonly durationMs: number;
  readonly error?: unknown;
}

export interface EventDispatcherOptions extends TelemetryOptions {
  readonly scope: string;
  /** The bus's logger name (`LoggerNames.busKafka`, ...): handler failures are logged there. */
  readonly loggerName: string;
  /** Extra attributes on dispatch spans (`messaging.system`, ...). */
  readonly attributes?: Attributes;
  /** Called after each handler, for bus metrics. */
  readonly onHandled?: (event: DomainEvent, outcome: HandlerOutcome) => void;
}

/**
 * The handler table and dispatch loop every bus shares: one `dispatch` span per event with the
 * handler count, one `handle` span per handler with its name and success. All handlers run even
 * when some fail; failures are thrown together as {@link HandlerDispatchError}.
 */
const RESOLVED_CACHE_LIMIT = 10_000;

export class EventDispatcher {
  readonly #handlers = new Map<string, EventHandler[]>();
  readonly #wildcard: EventHandler[] = [];
  /** `handlersFor` answers, asked for every message a bus consumes; new arrays after any change. */
  readonly #resolved = new Map<string, readonly EventHandler[]>();
  readonly #tracer: ComponentTracer;
  readonly #options: EventDispatcherOptions;
  readonly #logger: Logger;

  constructor(options: EventDispatcherOptions) {
    this.#options = options;
    this.#logger = getLogger(options.loggerName);
    this.#tracer = ComponentTracer.from(options.scope, options, true);
  }

  subscribe(eventType: string | EventDefinition, handler: EventHandler): () => void {
    const key = eventTypeOf(eventType);
    const handlers = this.#handlers.get(key) ?? [];
    handlers.push(handler);
    this.#handlers.set(key, handlers);
    this.#resolved.clear();
    return () => void this.unsubscribe(key, handler);
  }

  subscribeAll(handler: EventHandler): () => void {
    this.#wildcard.push(handler);
    this.#resolved.clear();
    return () => {
      removeFrom(this.#wildcard, handler);
      this.#resolved.clear();
    };
  }

  unsubscribe(eventType: string | EventDefinition, handler: EventHandler): boolean {
    this.#resolved.clear();
    return removeFrom(this.#handlers.get(eventTypeOf(eventType)) ?? [], handler);
  }

  /** Event types with at least one handler (wildcard handlers excluded). */
  get eventTypes(): string[] {
    return [...this.#handlers].filter(([, handlers]) => handlers.length > 0).map(([eventType]) => eventType);
  }

  /** The handlers of `eventType`, then the wildcard ones. Never mutated: a change makes a new array. */
  handlersFor(eventType: string): readonly EventHandler[] {
    let handlers = this.#resolved.get(eventType);
    if (handlers === undefined) {
      handlers = [...(this.#handlers.get(eventType) ?? []), ...this.#wildcard];
      // Event types come off the wire: keep the cache bounded.
      if (this.#resolved.size < RESOLVED_CACHE_LIMIT) this.#resolved.set(eventType, handlers);
    }
    return handlers;
  }

  clear(): void {
    this.#handlers.clear();
    this.#wildcard.length = 0;
    this.#resolved.clear();
  }

  dispatch(event: DomainEvent): Promise<void> {
    const handlers = this.handlersFor(event.eventType);
    // This runs for every message a bus consumes: untraced, no span options or closures are built.
    if (!this.#tracer.enabled) return this.#dispatchTo(handlers, event);
    const attributes = (): Attributes => ({
      ...this.#options.attributes,
      [ATTR_EVENT_TYPE]: event.eventType,
      [ATTR_EVENT_ID]: event.eventId,
      [ATTR_AGGREGATE_ID]: event.aggregateId,
      [ATTR_HANDLER_COUNT]: handlers.length,
    });
    return this.#tracer.run(SpanNames.eventBus.dispatch, { attributes }, () =>
      this.#dispatchTo(handlers, event),
    );
  }

  async #dispatchTo(handlers: readonly EventHandler[], event: DomainEvent): Promise<void> {
    let failures: { handlerName: string; error: unknown }[] | undefined;
    for (const handler of handlers) {
      const handled = this.#handle(event, handler);
      const outcome = handled instanceof Promise ? await handled : handled;
      if ('error' in outcome)
        (failures ??= []).push({ handlerName: outcome.handlerName, error: outcome.error });
    }
    if (failures !== undefined) throw new HandlerDispatchError(event.eventType, failures);
  }

  #handle(event: DomainEvent, handler: EventHandler): HandlerOutcome | Promise<HandlerOutcome> {
    const handlerName = handlerNameOf(handler);
    if (!this.#tracer.enabled) return this.#invoke(event, handler, handlerName, undefined);
    const attributes = (): Attributes => ({
      [ATTR_HANDLER_NAME]: handlerName,
      [ATTR_EVENT_TYPE]: event.eventType,
    });
    return this.#tracer.run(SpanNames.eventBus.handle, { attributes }, (span) =>
      this.#invoke(event, handler, handlerName, span),
    );
  }

  /**
   * Calls one handler and reports how it went. A handler that returns no promise gets its outcome
   * back at once: no promise per message for synchronous handlers (in-memory projections).
   */
  #invoke(
    event: DomainEvent,
    handler: EventHandler,
    handlerName: string,
    span: Span | undefined,
  ): HandlerOutcome | Promise<HandlerOutcome> {
    const started = performance.now();
    let result: Promise<void> | void;
    try {
      result = invokeHandler(handler, event);
    } catch (error) {
      return this.#settle(event, { handlerName, started, span, failed: true, error });
    }
    if (result === undefined || typeof (result as { then?: unknown }).then !== 'function')
      return this.#settle(event, { handlerName, started, span, failed: false });
    return Promise.resolve(result).then(
      () => this.#settle(event, { handlerName, started, span, failed: false }),
      (error: unknown) => this.#settle(event, { handlerName, started, span, failed: true, error }),
    );
  }

  #settle(event: DomainEvent, call: HandlerCall): HandlerOutcome {
    const { handlerName, span } = call;
    const durationMs = performance.now() - call.started;
    let outcome: HandlerOutcome;
    if (call.failed) {
      recordError(span, call.error);
      this.#logger.warn(
        {
          handler: handlerName,
          event_type: event.eventType,
          event_id: event.eventId,
          error: errorTypeOf(call.error),
        },
        'event handler failed',
      );
      outcome = { handlerName, durationMs, error: call.error };
    } else {
      outcome = { handlerName, durationMs };
    }
    span?.setAttribute(ATTR_HANDLER_SUCCESS, !call.failed);
    this.#options.onHandled?.(event, outcome);
    return outcome;
  }
}

/** One handler call on its way to a {@link HandlerOutcome}. */
interface HandlerCall {
  readonly handlerName: string;
  readonly started: number;
  readonly span: Span | undefined;
  readonly failed: boolean;
  readonly error?: unknown;
}

function removeFrom(handlers: EventHandler[], handler: EventHandler): boolean {
  const index = handlers.indexOf(handler);
  if (index < 0) return false;
  handlers.splice(index, 1);
  return true;
}
