import type { Context, Link, SpanContext } from './otel-types.ts';
import type { DomainEvent } from '../events/domain-event.ts';
import { ATTR_EVENT_ID } from './attributes.ts';
import { getOpenTelemetryApi } from './otel-api.ts';

/** W3C trace context as stored in an event's metadata. */
export interface PersistedTraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
}

const TRACEPARENT_PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/** Formats a span context as a W3C `traceparent` (version 00). */
export function formatTraceparent(spanContext: SpanContext): string {
  return `00-${spanContext.traceId}-${spanContext.spanId}-${(spanContext.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Parses a W3C `traceparent`; anything malformed or all-zero gives `undefined`. */
export function parseTraceparent(traceparent: unknown, tracestate?: unknown): SpanContext | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT_PATTERN.exec(traceparent.trim());
  if (match === null) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return undefined;
  const api = getOpenTelemetryApi();
  const traceState =
    typeof tracestate === 'string' && tracestate.length > 0 && api?.createTraceState
      ? api.createTraceState(tracestate)
      : undefined;
  return {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16),
    isRemote: true,
    ...(traceState ? { traceState } : {}),
  };
}

/**
 * The span context held by `context` in W3C form, or `undefined` when it holds no valid span.
 * Without `context`, the active context: the root whenever no context manager is registered, so
 * callers that own a span pass the context `ComponentTracer.run` hands them.
 */
export function currentTraceContext(context?: Context): PersistedTraceContext | undefined {
  const api = getOpenTelemetryApi();
  if (api === undefined) return undefined;
  const spanContext = api.trace.getSpanContext(context ?? api.context.active());
  if (spanContext === undefined || !api.trace.isSpanContextValid(spanContext)) return undefined;
  const tracestate = spanContext.traceState?.serialize();
  return { traceparent: formatTraceparent(spanContext), ...(tracestate ? { tracestate } : {}) };
}

/**
 * Copies of `events` whose metadata carries the trace context of `context` (default: the active
 * one; see {@link currentTraceContext}), written in W3C form
 * by us (never through the global propagator, so no baggage is persisted). An event that already
 * has a `traceparent` keeps it: an importer or upcaster may have supplied the true origin.
 */
export function stampTraceContext<TEvent extends DomainEvent>(
  events: readonly TEvent[],
  context?: Context,
): TEvent[] {
  const traceContext = currentTraceContext(context);
  if (traceContext === undefined) return [...events];
  return events.map((event) =>
    typeof event.metadata.traceparent === 'string'
      ? event
      : Object.freeze({ ...event, metadata: Object.freeze({ ...event.metadata, ...traceContext }) }),
  );
}

/** The span context stored with an event, if any. */
export function eventSpanContext(event: DomainEvent): SpanContext | undefined {
  return parseTraceparent(event.metadata.traceparent, event.metadata.tracestate);
}

/** A span link back to the trace that appended `event`, with the event id as a link attribute. */
export function linkToEvent(event: DomainEvent): Link | undefined {
  const spanContext = eventSpanContext(event);
  return spanContext === undefined
    ? undefined
    : { context: spanContext, attributes: { [ATTR_EVENT_ID]: event.eventId } };
}

/** Links to the distinct traces of `events`, capped at `limit` (OpenTelemetry's default link limit is 128). */
export function linksToEvents(events: readonly DomainEvent[], limit = 128): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const event of events) {
    const link = linkToEvent(event);
    if (link === undefined || seen.has(link.context.spanId)) continue;
    seen.add(link.context.spanId);
    links.push(link);
    if (links.length >= limit) break;
  }
  return links;
}

/** A context whose parent is the span stored with `event` (for `propagation: 'parent'`). */
export function contextFromEvent(event: DomainEvent): Context | undefined {
  const api = getOpenTelemetryApi();
  const spanContext = eventSpanContext(event);
  if (api === undefined || spanContext === undefined) return undefined;
  return api.trace.setSpanContext(api.ROOT_CONTEXT, spanContext);
}
