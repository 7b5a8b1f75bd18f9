import { traceSpansFromOtlpJson, type TraceSpan } from '@eventsource/testing/trace-tree';

/** One trace from Jaeger's query API (`GET /api/v3/traces/{id}`, OTLP/JSON); empty until it is indexed. */
export async function fetchJaegerTrace(queryUrl: string, traceId: string): Promise<TraceSpan[]> {
  const response = await fetch(`${queryUrl}/api/v3/traces/${traceId}`);
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`Jaeger answered HTTP ${response.status} for trace ${traceId}`);
  return traceSpansFromOtlpJson(await response.json());
}

/**
 * Polls Jaeger until the trace has spans of every service in `services` and has stopped growing
 * (the services' spans arrive in separate exports and are indexed separately), or until
 * `timeoutMs` passes; returns what it has then.
 */
export async function waitForJaegerTrace(
  queryUrl: string,
  traceId: string,
  options: { readonly services?: readonly string[]; readonly timeoutMs?: number } = {},
): Promise<TraceSpan[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let spans: TraceSpan[] = [];
  let stableRounds = 0;
  while (Date.now() < deadline) {
    const next = await fetchJaegerTrace(queryUrl, traceId);
    stableRounds = next.length > 0 && next.length === spans.length ? stableRounds + 1 : 0;
    spans = next;
    const present = new Set(spans.map((span) => span.serviceName));
    const complete = (options.services ?? []).every((service) => present.has(service));
    if (complete && stableRounds >= 2) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return spans;
}
