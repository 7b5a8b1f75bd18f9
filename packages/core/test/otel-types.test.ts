import { describe, expect, it } from '@jest/globals';
import type * as api from '@opentelemetry/api';
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider as SdkTracerProvider,
} from '@opentelemetry/sdk-trace';
import { ComponentTracer } from '../src/observability/component-tracer.ts';
import { lazyInstruments } from '../src/observability/metrics.ts';
import type * as Local from '../src/observability/otel-types.ts';

// Compile-time checks: the SDK's objects are assignable to core's structural types, and what core
// hands out is assignable back to the API's own types. `pnpm typecheck` fails if either breaks.
type Assignable<TFrom extends TTo, TTo> = [TFrom, TTo];
export type OtelTypeChecks = [
  Assignable<SdkTracerProvider, Local.TracerProvider>,
  Assignable<SdkMeterProvider, Local.MeterProvider>,
  Assignable<api.TracerProvider, Local.TracerProvider>,
  Assignable<api.MeterProvider, Local.MeterProvider>,
  Assignable<api.Tracer, Local.Tracer>,
  Assignable<api.Meter, Local.Meter>,
  Assignable<api.Span, Local.Span>,
  Assignable<api.Context, Local.Context>,
  Assignable<api.Link, Local.Link>,
  Assignable<api.SpanContext, Local.SpanContext>,
  Assignable<typeof api, Local.OpenTelemetryApiModule>,
  Assignable<Local.Span, api.Span>,
  Assignable<Local.Context, api.Context>,
  Assignable<Local.Link, api.Link>,
  Assignable<Local.SpanContext, api.SpanContext>,
  Assignable<Local.Tracer, api.Tracer>,
  Assignable<Local.TracerProvider, api.TracerProvider>,
  Assignable<Local.MeterProvider, api.MeterProvider>,
];

describe('otel-types', () => {
  it('accepts a real SDK tracer provider and hands back a span the API accepts', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new SdkTracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = new ComponentTracer<string>('otel-types-test', true, provider);
    tracer.run('probe', {}, (span) => {
      const apiSpan: api.Span | undefined = span;
      apiSpan?.setAttribute('probe.ok', true);
    });
    await provider.forceFlush();
    expect(exporter.getFinishedSpans().map((span) => [span.name, span.attributes['probe.ok']])).toEqual([
      ['probe', true],
    ]);
  });

  it('accepts a real SDK meter provider', () => {
    const meterProvider: Local.MeterProvider = new SdkMeterProvider();
    const instruments = lazyInstruments('otel-types-test', (meter) => meter.createCounter('probe'), {
      meterProvider,
    });
    expect(instruments()).toBeDefined();
  });
});
