import { traceSpansFromOtlpJson, type TraceSpan } from '@eventsource/testing/trace-tree';

/** One trace from Jaeger's query API (`GET /api/v3/traces/{id}`, OTLP/JSON); empty until it is indexed. */
export async function fetchJaegerTrace(queryUrl: string, traceId: string): Promise<TraceSpan[]> {
  const response = await fetch(`${queryUrl}/api/v3/traces/${traceId}`);
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`Jaeger answered HTTP ${response.status} for trace ${traceId}`);
  return traceSpansFromOtlpJson(await response.json());
}

/**
 * Polls Jaeger until the trace has at least `minimumSpans` spans and stops growing (spans of the
 * two services arrive in separate exports), or `timeoutMs` passes; returns what it has then.
 */
export async function waitForJaegerTrace(
  queryUrl: string,
  traceId: string,
  options: { readonly minimumSpans?: number; readonly timeoutMs?: number } = {},
): Promise<TraceSpan[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let spans: TraceSpan[] = [];
  let stableRounds = 0;
  while (Date.now() < deadline) {
    const next = await fetchJaegerTrace(queryUrl, traceId);
    stableRounds = next.length > 0 && next.length === spans.length ? stableRounds + 1 : 0;
    spans = next;
    if (spans.length >= (options.minimumSpans ?? 1) && stableRounds >= 2) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return spans;
}
