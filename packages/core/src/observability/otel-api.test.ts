import { describe, expect, it } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { getOpenTelemetryApi, OTEL_AVAILABLE, useOpenTelemetryApi } from './otel-api.ts';

describe('otel-api', () => {
  it('loads the installed API by itself', () => {
    expect(OTEL_AVAILABLE).toBe(true);
    expect(typeof getOpenTelemetryApi()?.trace.getTracer).toBe('function');
  });

  it('uses an injected API module, sharing the application registered provider', async () => {
    useOpenTelemetryApi(api);
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    expect(api.trace.setGlobalTracerProvider(provider)).toBe(true);
    getOpenTelemetryApi()!.trace.getTracer('probe-scope').startSpan('probe').end();
    await provider.forceFlush();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['probe']);
    api.trace.disable();
  });
});
