import { describe, expect, it } from '@jest/globals';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { serviceAddresses } from '../src/addresses.ts';
import { uniqueName } from './unique-name.ts';

type OtlpJsonSpan = {
  name: string;
  traceId: string;
  attributes?: { key: string; value: { stringValue?: string } }[];
};
type TracesResponse = { result?: { resourceSpans?: { scopeSpans?: { spans?: OtlpJsonSpan[] }[] }[] } };

/** Spans of one service that Jaeger's query API returns for a time window; none yet is an empty list. */
async function findSpans(serviceName: string, from: Date, to: Date): Promise<OtlpJsonSpan[]> {
  const query = new URLSearchParams({
    'query.service_name': serviceName,
    'query.start_time_min': from.toISOString(),
    'query.start_time_max': to.toISOString(),
    // The in-memory store answers HTTP 500 ("search depth must be greater than 0") without it.
    'query.num_traces': '20',
  });
  const response = await fetch(`${serviceAddresses().jaegerQueryUrl}/api/v3/traces?${query}`);
  if (response.status === 404) return [];
  expect(response.status).toBe(200);
  const body = (await response.json()) as TracesResponse;
  return (body.result?.resourceSpans ?? []).flatMap((resource) =>
    (resource.scopeSpans ?? []).flatMap((scope) => scope.spans ?? []),
  );
}

describe('Jaeger through OTLP and the query API', () => {
  it('returns from /api/v3/traces a span exported by the OpenTelemetry SDK', async () => {
    const serviceName = uniqueName('smoke-service');
    const spanName = uniqueName('smoke-span');
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName }),
      spanProcessors: [
        new SimpleSpanProcessor({
          exporter: new OTLPTraceExporter({ url: `${serviceAddresses().otlpEndpoint}/v1/traces` }),
        }),
      ],
    });
    const from = new Date(Date.now() - 60_000);
    const span = provider
      .getTracer('services-smoke-test')
      .startSpan(spanName, { attributes: { 'smoke.check': 'round-trip' } });
    const traceId = span.spanContext().traceId;
    span.end();
    await provider.forceFlush();
    await provider.shutdown();

    const deadline = Date.now() + 20_000;
    let found: OtlpJsonSpan | undefined;
    while (found === undefined && Date.now() < deadline) {
      const spans = await findSpans(serviceName, from, new Date(Date.now() + 60_000));
      found = spans.find((candidate) => candidate.name === spanName);
      if (found === undefined) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(found).toBeDefined();
    expect(found!.attributes).toContainEqual({ key: 'smoke.check', value: { stringValue: 'round-trip' } });
    expect(found!.traceId).toBe(traceId);
  }, 30_000);
});
