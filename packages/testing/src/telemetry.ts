import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { useOpenTelemetryApi } from '@eventsource/core/observability';

/** Collects metrics on demand, for tests. */
class PullMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface TelemetryCapture {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  /** Every finished span, oldest first. */
  spans(): ReadableSpan[];
  spansNamed(name: string): ReadableSpan[];
  /** The only span named `name`; throws when there is none or several. */
  span(name: string): ReadableSpan;
  /** Finished spans whose parent is `span`. */
  childrenOf(span: ReadableSpan): ReadableSpan[];
  /** Every metric collected now, across scopes. */
  metrics(): Promise<MetricData[]>;
  /** The metric named `name` collected now, or `undefined`. */
  metric(name: string): Promise<MetricData | undefined>;
  /** Forgets finished spans (metrics are cumulative; compare differences). */
  reset(): void;
  /** Unregisters everything this capture installed. */
  shutdown(): Promise<void>;
}

/**
 * Installs an in-memory OpenTelemetry SDK globally (tracer and meter providers, AsyncLocalStorage
 * context, W3C propagators) and points `@eventsource/core` at this test's API instance. Call in
 * `beforeAll`, and `shutdown()` in `afterAll`.
 */
export function captureTelemetry(): TelemetryCapture {
  api.trace.disable();
  api.metrics.disable();
  api.context.disable();
  api.propagation.disable();
  useOpenTelemetryApi(api);
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const reader = new PullMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  api.trace.setGlobalTracerProvider(tracerProvider);
  api.metrics.setGlobalMeterProvider(meterProvider);

  const spans = () => exporter.getFinishedSpans();
  const spansNamed = (name: string) => spans().filter((span) => span.name === name);
  const metrics = async () => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  };
  return {
    tracerProvider,
    meterProvider,
    spans,
    spansNamed,
    span(name) {
      const found = spansNamed(name);
      if (found.length !== 1) {
        throw new Error(
          `Expected one span named ${name}, found ${found.length} (spans: ${
            spans()
              .map((span) => span.name)
              .join(', ') || 'none'
          })`,
        );
      }
      return found[0]!;
    },
    childrenOf(parent) {
      return spans().filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);
    },
    metrics,
    async metric(name) {
      return (await metrics()).find((metric) => metric.descriptor.name === name);
    },
    reset() {
      exporter.reset();
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      api.trace.disable();
      api.metrics.disable();
      api.context.disable();
      api.propagation.disable();
    },
  };
}

/** Whether `child` is a direct child of `parent`. */
export function isChildOf(child: ReadableSpan, parent: ReadableSpan): boolean {
  return (
    child.spanContext().traceId === parent.spanContext().traceId &&
    child.parentSpanContext?.spanId === parent.spanContext().spanId
  );
}

/** Whether `span` links to `target`. */
export function linksTo(span: ReadableSpan, target: ReadableSpan | api.SpanContext): boolean {
  const context =
    'spanContext' in target && typeof target.spanContext === 'function'
      ? target.spanContext()
      : (target as api.SpanContext);
  return span.links.some(
    (link) => link.context.spanId === context.spanId && link.context.traceId === context.traceId,
  );
}

/** Sum of a counter's data points, optionally only those whose attributes include `attributes`. */
export function sumOf(
  metric: MetricData | undefined,
  attributes: Readonly<Record<string, unknown>> = {},
): number {
  if (metric === undefined) return 0;
  let total = 0;
  for (const point of metric.dataPoints as { attributes: Record<string, unknown>; value: unknown }[]) {
    if (!Object.entries(attributes).every(([key, value]) => point.attributes[key] === value)) continue;
    const value = point.value;
    total += typeof value === 'number' ? value : ((value as { count?: number }).count ?? 0);
  }
  return total;
}
