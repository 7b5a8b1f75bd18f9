import { describe, expect, it } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ComponentTracer, useOpenTelemetryApi } from '../src/observability/index.ts';

describe('ComponentTracer without a registered SDK', () => {
  it('skips span work entirely when only the API is installed', () => {
    useOpenTelemetryApi(api);
    api.trace.disable();
    const tracer = new ComponentTracer<string>('api-only', true);
    expect(tracer.enabled).toBe(true);
    expect(tracer.run('nothing.recorded', { attributes: { a: 1 } }, (span) => span)).toBeUndefined();
  });

  it('records to an injected provider, which needs no global registration', async () => {
    useOpenTelemetryApi(api);
    api.trace.disable();
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = new ComponentTracer<string>('injected', true, provider);
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

describe('ComponentTracer span names', () => {
  it('accepts only catalogued names for library components (a misspelt name fails to compile)', () => {
    const tracer = new ComponentTracer('typed-names', false);
    expect(tracer.run('eventsource.event_bus.publish', {}, () => 'ran')).toBe('ran');
    // @ts-expect-error: not in SpanNames (the typecheck fails if this line ever compiles)
    expect(tracer.run('eventsource.event_bus.publsh', {}, () => 'ran')).toBe('ran');
  });

  it('hands the callback the context that holds its span, also without a context manager', async () => {
    useOpenTelemetryApi(api);
    api.trace.disable();
    api.context.disable();
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = new ComponentTracer('explicit-context', true, provider);
    const carried = tracer.run('eventsource.event_bus.publish', {}, (span, spanContext) => ({
      active: api.trace.getSpanContext(api.context.active())?.spanId,
      own: spanContext === undefined ? undefined : api.trace.getSpanContext(spanContext)?.spanId,
      spanId: span?.spanContext().spanId,
    }));
    expect(carried.active).toBeUndefined();
    expect(carried.own).toBe(carried.spanId);
    expect(carried.own).toMatch(/^[0-9a-f]{16}$/);
    await provider.shutdown();
  });
});
