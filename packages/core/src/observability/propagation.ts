import type { Context, Link } from './otel-types.ts';
import { getOpenTelemetryApi } from './otel-api.ts';
import { currentTraceContext, parseTraceparent } from './trace-context.ts';

/** Header values as message clients hand them over (Kafka gives Buffers, AMQP strings). */
export type HeaderValue = string | Uint8Array | readonly (string | Uint8Array)[] | number | undefined | null;

/** How a consumer relates to the producer's span: child of it (one trace) or a new trace linking to it. */
export type TracePropagationMode = 'parent' | 'link';

/** A header value as text: strings as they are, bytes as UTF-8, the first of a list. */
export function headerValueText(value: HeaderValue): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  const first = value[0];
  return first === undefined ? undefined : headerValueText(first);
}

/**
 * Writes the trace context of `context` (default: active, which is the root whenever no context
 * manager is registered: a publisher passes its own span's context) into `headers` with the global
 * propagator. When no propagator is registered, W3C `traceparent`/`tracestate` are written anyway,
 * so traces connect across services whatever the SDK setup.
 */
export function injectTraceHeaders(headers: Record<string, string>, context?: Context): void {
  const api = getOpenTelemetryApi();
  if (api === undefined) return;
  const active = context ?? api.context.active();
  api.propagation.inject(active, headers);
  if (headers.traceparent === undefined) {
    const traceContext = currentTraceContext(active);
    if (traceContext !== undefined) Object.assign(headers, traceContext);
  }
}

/** Reads trace context from message headers into a context to parent on, or `undefined` if none. */
export function extractTraceHeaders(headers: Readonly<Record<string, HeaderValue>>): Context | undefined {
  const api = getOpenTelemetryApi();
  if (api === undefined) return undefined;
  const getter = {
    keys: (carrier: Readonly<Record<string, HeaderValue>>) => Object.keys(carrier),
    get: (carrier: Readonly<Record<string, HeaderValue>>, key: string) => headerValueText(carrier[key]),
  };
  const extracted = api.propagation.extract(api.ROOT_CONTEXT, headers, getter);
  if (api.trace.getSpanContext(extracted) !== undefined) return extracted;
  const spanContext = parseTraceparent(
    headerValueText(headers.traceparent),
    headerValueText(headers.tracestate),
  );
  return spanContext === undefined ? undefined : api.trace.setSpanContext(extracted, spanContext);
}

/**
 * The parent context and links for a consumer span. `parent` mode continues the producer's trace
 * and also links to it; `link` mode starts a new trace with a link.
 */
export function consumerSpanRelation(
  producerContext: Context | undefined,
  mode: TracePropagationMode,
): { parent?: Context; links: Link[] } {
  const api = getOpenTelemetryApi();
  if (api === undefined || producerContext === undefined) return { links: [] };
  const spanContext = api.trace.getSpanContext(producerContext);
  const links = spanContext === undefined ? [] : [{ context: spanContext }];
  return mode === 'parent' ? { parent: producerContext, links } : { parent: api.ROOT_CONTEXT, links };
}
