import type { ReadableSpan } from '@opentelemetry/sdk-trace';

export type TraceSpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type TraceAttributeValue = string | number | boolean | readonly (string | number | boolean)[];

/**
 * One finished span, reduced to what a trace tree shows. Built from the SDK's `ReadableSpan`
 * ({@link traceSpanFromReadable}) or from OTLP/JSON, as exporters send it and Jaeger's
 * `/api/v3/traces` answers it ({@link traceSpansFromOtlpJson}), so spans of several processes
 * can be printed as one tree.
 */
export interface TraceSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Absent for a root span. */
  readonly parentSpanId?: string;
  readonly name: string;
  /** The resource's `service.name`. */
  readonly serviceName: string;
  readonly kind: TraceSpanKind;
  /** Milliseconds since the Unix epoch (fractional). */
  readonly startTimeMs: number;
  readonly durationMs: number;
  readonly attributes: Readonly<Record<string, TraceAttributeValue>>;
  readonly error: boolean;
}

export interface TraceTreeOptions {
  /**
   * Which attributes to print under each span: `'all'`, none (`[]`), a list of keys, or a
   * predicate. Default {@link DEFAULT_TRACE_TREE_ATTRIBUTES}.
   */
  readonly attributes?: 'all' | readonly string[] | ((key: string, span: TraceSpan) => boolean);
  /** Spaces per level (default 2). */
  readonly indent?: number;
}

/** The attributes printed by default: the library's own and the few conventions that say what a span did. */
export const DEFAULT_TRACE_TREE_ATTRIBUTES: readonly string[] = [
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'eventsource.aggregate.id',
  'eventsource.aggregate.type',
  'eventsource.event.type',
  'eventsource.event.count',
  'eventsource.version',
  'eventsource.expected_version',
  'eventsource.position',
  'eventsource.subscription.name',
  'eventsource.handler.count',
  'eventsource.handler.name',
  'eventsource.handler.success',
  'messaging.system',
  'messaging.destination.name',
  'db.system.name',
  'error.type',
];

// OpenTelemetry API SpanKind numbering (INTERNAL = 0) and OTLP's (UNSPECIFIED = 0, INTERNAL = 1).
const API_KINDS: readonly TraceSpanKind[] = ['internal', 'server', 'client', 'producer', 'consumer'];
const OTLP_KINDS: readonly TraceSpanKind[] = [
  'internal',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];
const API_STATUS_ERROR = 2;
const OTLP_STATUS_ERROR = 2;

function hrTimeToMs([seconds, nanoseconds]: readonly [number, number]): number {
  return seconds * 1000 + nanoseconds / 1e6;
}

/** A span from the SDK (an in-memory exporter, `captureTelemetry().spans()`, your own exporter). */
export function traceSpanFromReadable(span: ReadableSpan): TraceSpan {
  const parentSpanId = span.parentSpanContext?.spanId;
  const serviceName = span.resource.attributes['service.name'];
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    ...(parentSpanId === undefined ? {} : { parentSpanId }),
    name: span.name,
    serviceName: typeof serviceName === 'string' ? serviceName : 'unknown_service',
    kind: API_KINDS[span.kind] ?? 'internal',
    startTimeMs: hrTimeToMs(span.startTime),
    durationMs: hrTimeToMs(span.duration),
    attributes: definedAttributes(span.attributes),
    error: span.status.code === API_STATUS_ERROR,
  };
}

function definedAttributes(
  attributes: Readonly<Record<string, unknown>>,
): Record<string, TraceAttributeValue> {
  const result: Record<string, TraceAttributeValue> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) result[key] = value as TraceAttributeValue;
  }
  return result;
}

interface OtlpAnyValue {
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly intValue?: number | string;
  readonly doubleValue?: number | string;
  readonly arrayValue?: { readonly values?: readonly OtlpAnyValue[] };
}
interface OtlpKeyValue {
  readonly key: string;
  readonly value?: OtlpAnyValue;
}
type OtlpTime = number | string | { readonly low: number; readonly high: number };
interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind?: number | string;
  readonly startTimeUnixNano: OtlpTime;
  readonly endTimeUnixNano: OtlpTime;
  readonly attributes?: readonly OtlpKeyValue[];
  readonly status?: { readonly code?: number | string };
}
interface OtlpResourceSpans {
  readonly resource?: { readonly attributes?: readonly OtlpKeyValue[] };
  readonly scopeSpans?: readonly { readonly spans?: readonly OtlpSpan[] }[];
}

function otlpValue(value: OtlpAnyValue | undefined): TraceAttributeValue | undefined {
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.arrayValue !== undefined) {
    return (value.arrayValue.values ?? [])
      .map(otlpValue)
      .filter((item): item is string | number | boolean => item !== undefined && !Array.isArray(item));
  }
  return undefined;
}

function otlpAttributes(
  attributes: readonly OtlpKeyValue[] | undefined,
): Record<string, TraceAttributeValue> {
  const result: Record<string, TraceAttributeValue> = {};
  for (const { key, value } of attributes ?? []) {
    const converted = otlpValue(value);
    if (converted !== undefined) result[key] = converted;
  }
  return result;
}

function otlpTimeToMs(time: OtlpTime): number {
  if (typeof time === 'object') return (time.high * 2 ** 32 + (time.low >>> 0)) / 1e6;
  if (typeof time === 'number') return time / 1e6;
  const nanoseconds = BigInt(time);
  return Number(nanoseconds / 1000n) / 1000;
}

function otlpKind(kind: number | string | undefined): TraceSpanKind {
  if (typeof kind === 'number') return OTLP_KINDS[kind] ?? 'internal';
  const match = /SPAN_KIND_(\w+)$/.exec(kind ?? '');
  const name = match?.[1]?.toLowerCase();
  return API_KINDS.find((candidate) => candidate === name) ?? 'internal';
}

/**
 * The spans of an OTLP/JSON trace payload: an `ExportTraceServiceRequest` (`{ resourceSpans }`, what
 * an OTLP/HTTP JSON exporter posts to `/v1/traces`) or Jaeger's `/api/v3/traces` answer
 * (`{ result: { resourceSpans } }`). Ids must be hex, as OTLP/JSON specifies.
 */
export function traceSpansFromOtlpJson(payload: unknown): TraceSpan[] {
  const body = payload as {
    resourceSpans?: OtlpResourceSpans[];
    result?: { resourceSpans?: OtlpResourceSpans[] };
  };
  const resourceSpans = body?.resourceSpans ?? body?.result?.resourceSpans ?? [];
  const spans: TraceSpan[] = [];
  for (const resource of resourceSpans) {
    const serviceName = otlpAttributes(resource.resource?.attributes)['service.name'];
    for (const scope of resource.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const startTimeMs = otlpTimeToMs(span.startTimeUnixNano);
        const statusCode = span.status?.code;
        spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
          name: span.name,
          serviceName: typeof serviceName === 'string' ? serviceName : 'unknown_service',
          kind: otlpKind(span.kind),
          startTimeMs,
          durationMs: otlpTimeToMs(span.endTimeUnixNano) - startTimeMs,
          attributes: otlpAttributes(span.attributes),
          error: statusCode === OTLP_STATUS_ERROR || statusCode === 'STATUS_CODE_ERROR',
        });
      }
    }
  }
  return spans;
}

/** A span with its children, oldest first. */
export interface TraceNode {
  readonly span: TraceSpan;
  readonly children: readonly TraceNode[];
}

/**
 * The spans of one trace as trees, oldest root first. A span whose parent is not among `spans`
 * (not exported yet, or from a process that exports elsewhere) becomes a root of its own.
 */
export function buildTraceTree(spans: readonly TraceSpan[]): TraceNode[] {
  const children = new Map<string, TraceSpan[]>();
  const ids = new Set(spans.map((span) => span.spanId));
  const roots: TraceSpan[] = [];
  for (const span of spans) {
    if (span.parentSpanId === undefined || !ids.has(span.parentSpanId)) {
      roots.push(span);
      continue;
    }
    const siblings = children.get(span.parentSpanId) ?? [];
    siblings.push(span);
    children.set(span.parentSpanId, siblings);
  }
  const byStart = (left: TraceSpan, right: TraceSpan) => left.startTimeMs - right.startTimeMs;
  const node = (span: TraceSpan): TraceNode => ({
    span,
    children: (children.get(span.spanId) ?? []).sort(byStart).map(node),
  });
  return roots.sort(byStart).map(node);
}

/** Depth-first, parents before children: the order a trace tree prints in. */
export function flattenTraceTree(nodes: readonly TraceNode[]): TraceSpan[] {
  return nodes.flatMap((node) => [node.span, ...flattenTraceTree(node.children)]);
}

function formatValue(value: TraceAttributeValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function attributeFilter(options: TraceTreeOptions): (key: string, span: TraceSpan) => boolean {
  const attributes = options.attributes ?? DEFAULT_TRACE_TREE_ATTRIBUTES;
  if (attributes === 'all') return () => true;
  if (typeof attributes === 'function') return attributes;
  const keys = new Set(attributes);
  return (key) => keys.has(key);
}

/**
 * Formats spans as indented trees, one per trace, in the shape of Tutorial 20's "Example Distributed
 * Trace": each line is a span (service, name in brackets, duration, kind unless internal, `ERROR`
 * when its status is an error) followed by its chosen attributes, children indented below it.
 *
 * ```text
 * order-service [eventsource.event_bus.publish] 2.1 ms producer
 *     messaging.system: kafka
 *   order-worker [eventsource.event_bus.consume] 9.8 ms consumer
 * ```
 */
export function formatTraceTree(spans: readonly TraceSpan[], options: TraceTreeOptions = {}): string {
  const unit = ' '.repeat(options.indent ?? 2);
  const include = attributeFilter(options);
  const lines: string[] = [];
  const write = (node: TraceNode, depth: number) => {
    const { span } = node;
    const prefix = unit.repeat(depth);
    const kind = span.kind === 'internal' ? '' : ` ${span.kind}`;
    lines.push(
      `${prefix}${span.serviceName} [${span.name}] ${span.durationMs.toFixed(1)} ms${kind}${span.error ? ' ERROR' : ''}`,
    );
    for (const key of Object.keys(span.attributes).sort()) {
      if (include(key, span))
        lines.push(`${prefix}${unit}${unit}${key}: ${formatValue(span.attributes[key]!)}`);
    }
    for (const child of node.children) write(child, depth + 1);
  };
  const traces = new Map<string, TraceSpan[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  for (const [traceId, traceSpans] of traces) {
    if (lines.length > 0) lines.push('');
    lines.push(`trace ${traceId}`);
    for (const root of buildTraceTree(traceSpans)) write(root, 1);
  }
  return lines.join('\n');
}
