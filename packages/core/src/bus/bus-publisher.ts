import type { Context } from '../observability/otel-types.ts';
import { isEventSourceError } from '../errors.ts';
import type { DomainEvent } from '../events/domain-event.ts';
import {
  ATTR_AGGREGATE_ID,
  ATTR_AGGREGATE_TYPE,
  ATTR_EVENT_ID,
  ATTR_EVENT_TYPE,
  ATTR_MESSAGING_DESTINATION,
  ATTR_MESSAGING_SYSTEM,
  SemanticAttributes,
  type Attributes,
} from '../observability/attributes.ts';
import type { ComponentTracer } from '../observability/component-tracer.ts';
import { getOpenTelemetryApi } from '../observability/otel-api.ts';
import { injectTraceHeaders } from '../observability/propagation.ts';
import { contextFromEvent } from '../observability/trace-context.ts';
import { SpanKinds, SpanNames } from '../observability/span-names.ts';
import type { EventBusMetrics } from './bus-metrics.ts';
import type { WireFormat } from './wire-format.ts';

/** One event ready for the wire: its encoded value and its headers, trace context included. */
export interface OutgoingMessage {
  readonly event: DomainEvent;
  readonly value: string;
  readonly headers: Record<string, string>;
}

/**
 * Sends prepared messages and resolves only once the broker accepted every one of them; rejects
 * with a library error (`UnavailableError`, ...) otherwise. `context` is the one to run the driver
 * call in, so a transport instrumentation nests its spans under ours (see {@link BusPublisher}).
 */
export type SendMessages = (
  messages: readonly OutgoingMessage[],
  context: Context | undefined,
) => Promise<void>;

export interface BusPublisherConfig {
  readonly tracer: ComponentTracer;
  readonly metrics: EventBusMetrics;
  readonly wireFormat: WireFormat;
  /** `messaging.system` (`kafka`, `rabbitmq`, `redis`). */
  readonly system: string;
  /** Where events go (topic, exchange, stream prefix), on spans and metrics. */
  readonly destination: string;
  /** Extra attributes on every publish span (`server.address`, ...). */
  readonly attributes?: Attributes;
  /** Extra attributes per event (message key, routing key, ...). */
  readonly eventAttributes?: (event: DomainEvent) => Attributes;
}

/**
 * Publishing as every bus does it: events are encoded first (an event that cannot be encoded fails
 * the call before anything is sent); each event gets its own PRODUCER span
 * (`eventsource.event_bus.publish`), open until the broker accepted the batch, whose W3C context
 * goes into that message's headers, so each consumer continues the trace of its own event (the
 * span's parent is the caller's span, or without one the trace stored in the event's metadata); the
 * published/failed counters, the publish duration and the batch size are recorded.
 */
export class BusPublisher {
  readonly #config: BusPublisherConfig;
  readonly #spanAttributes: Attributes;

  constructor(config: BusPublisherConfig) {
    this.#config = config;
    this.#spanAttributes = {
      [ATTR_MESSAGING_SYSTEM]: config.system,
      [ATTR_MESSAGING_DESTINATION]: config.destination,
      [SemanticAttributes.messagingSystemName]: config.system,
      [SemanticAttributes.messagingDestinationName]: config.destination,
      [SemanticAttributes.messagingOperationType]: 'send',
      [SemanticAttributes.messagingOperationName]: 'publish',
      ...config.attributes,
    };
  }

  /** Publishes `events` through `send` (one call for all of them; split batches by calling this per batch). */
  async publish(events: readonly DomainEvent[], send: SendMessages): Promise<void> {
    if (events.length === 0) return;
    const messages = events.map((event): OutgoingMessage => {
      const { value, headers } = this.#config.wireFormat.encode(event);
      return { event, value, headers };
    });
    const started = performance.now();
    try {
      await (this.#config.tracer.enabled ? this.#publishTraced(messages, send) : send(messages, undefined));
      forEachTypeRun(events, (eventType, count) =>
        this.#config.metrics.published(this.#config.destination, eventType, count),
      );
    } catch (error) {
      // The driver's own error class says more to an operator than the library error wrapping it.
      const recorded = isEventSourceError(error) && error.cause !== undefined ? error.cause : error;
      forEachTypeRun(events, (eventType, count) =>
        this.#config.metrics.publishFailed(this.#config.destination, eventType, recorded, count),
      );
      throw error;
    } finally {
      this.#config.metrics.publishBatch(this.#config.destination, events.length, performance.now() - started);
    }
  }

  async #publishTraced(messages: readonly OutgoingMessage[], send: SendMessages): Promise<void> {
    const accepted = Promise.withResolvers<void>();
    accepted.promise.catch(() => undefined);
    let firstSpanContext: Context | undefined;
    const callerHasSpan = activeSpanIsValid();
    const spans = messages.map((message) =>
      this.#config.tracer.run(
        SpanNames.eventBus.publish,
        {
          kind: SpanKinds.producer,
          attributes: this.#attributesOf(message.event),
          // With no span of the caller's (an outbox relay without a context manager, a script),
          // each publish continues the trace stored with its event.
          ...(callerHasSpan ? {} : storedParent(message.event)),
        },
        (_span, spanContext) => {
          if (spanContext !== undefined) {
            injectTraceHeaders(message.headers, spanContext);
            firstSpanContext ??= spanContext;
          }
          return accepted.promise;
        },
      ),
    );
    const spansEnded = Promise.allSettled(spans);
    try {
      await send(messages, sendContext(messages.length, firstSpanContext, callerHasSpan));
      accepted.resolve();
    } catch (error) {
      accepted.reject(error);
      throw error;
    } finally {
      await spansEnded;
    }
  }

  #attributesOf(event: DomainEvent): Attributes {
    return {
      ...this.#spanAttributes,
      [ATTR_EVENT_TYPE]: event.eventType,
      [ATTR_EVENT_ID]: event.eventId,
      [SemanticAttributes.messagingMessageId]: event.eventId,
      [ATTR_AGGREGATE_ID]: event.aggregateId,
      [ATTR_AGGREGATE_TYPE]: event.aggregateType,
      ...this.#config.eventAttributes?.(event),
    };
  }
}

/**
 * The context the driver call runs in. A transport instrumentation (instrumentation-kafkajs,
 * -amqplib, -ioredis) starts its own spans there and may overwrite `traceparent` with them: for a
 * single event that is under our publish span. For a batch it is the caller's span, or with none
 * the first event's publish span, so the transport spans never start a separate trace.
 */
function sendContext(
  count: number,
  firstSpanContext: Context | undefined,
  callerHasSpan: boolean,
): Context | undefined {
  if (firstSpanContext === undefined || count === 1) return firstSpanContext;
  return callerHasSpan ? undefined : firstSpanContext;
}

function activeSpanIsValid(): boolean {
  const api = getOpenTelemetryApi();
  const active = api?.trace.getSpanContext(api.context.active());
  return active !== undefined && api !== undefined && api.trace.isSpanContextValid(active);
}

function storedParent(event: DomainEvent): { parent?: Context } {
  const parent = contextFromEvent(event);
  return parent === undefined ? {} : { parent };
}

/**
 * Calls `fn` once per run of consecutive events of one type with the run's length (a batch is
 * usually one type: one call, nothing allocated). The counts per type add up as a grouping would.
 */
function forEachTypeRun(
  events: readonly DomainEvent[],
  fn: (eventType: string, count: number) => void,
): void {
  let start = 0;
  while (start < events.length) {
    const eventType = events[start]!.eventType;
    let end = start + 1;
    while (end < events.length && events[end]!.eventType === eventType) end += 1;
    fn(eventType, end - start);
    start = end;
  }
}

/** Runs `fn` in `context` when there is one (the driver call of a {@link SendMessages}). */
export function withSendContext<T>(context: Context | undefined, fn: () => T): T {
  const api = getOpenTelemetryApi();
  return context === undefined || api === undefined ? fn() : api.context.with(context, fn);
}
