import { describe, expect, it } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ComponentTracer, useOpenTelemetryApi } from '../src/observability/index.ts';

describe('ComponentTracer without a registered SDK', () => {
  it('skips span work entirely when only the API is installed', () => {
    useOpenTelemetryApi(api);
    api.trace.disable();
    const tracer = new ComponentTracer('api-only', true);
    expect(tracer.enabled).toBe(true);
    expect(tracer.run('nothing.recorded', { attributes: { a: 1 } }, (span) => span)).toBeUndefined();
  });

  it('records to an injected provider, which needs no global registration', async () => {
    useOpenTelemetryApi(api);
    api.trace.disable();
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = new ComponentTracer('injected', true, provider);
    tracer.run('first', {}, () => undefined);
    tracer.run('second', {}, () => undefined);
    await provider.forceFlush();
    expect(exporter.getFinishedSpans().map((span) => [span.name, span.instrumentationScope.name])).toEqual([
      ['first', 'injected'],
      ['second', 'injected'],
    ]);
    await provider.shutdown();
  });
});
