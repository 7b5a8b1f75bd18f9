// Helpers for bus tests that need no jest, so child processes of a test can use them too.
import { MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';

/** Resolves once `predicate` holds, polling every 25 ms; fails with `message` after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  message: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Collects metrics on demand. */
class PullMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface MeterCapture {
  readonly meterProvider: MeterProvider;
  /** The metric named `name`, collected now. */
  metric(name: string): Promise<MetricData | undefined>;
  /** Every metric name reported now. */
  names(): Promise<string[]>;
  shutdown(): Promise<void>;
}

/** A meter provider of its own (not global), to tell one component's metrics from another's. */
export function meterCapture(): MeterCapture {
  const reader = new PullMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const all = async () => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  };
  return {
    meterProvider,
    metric: async (name) => (await all()).find((metric) => metric.descriptor.name === name),
    names: async () => (await all()).map((metric) => metric.descriptor.name),
    shutdown: () => meterProvider.shutdown(),
  };
}

/** A metric's data points as `{ attributes, value }` (value: the number, or a histogram's count). */
export function pointsOf(
  metric: MetricData | undefined,
): { attributes: Record<string, unknown>; value: number }[] {
  return ((metric?.dataPoints ?? []) as { attributes: Record<string, unknown>; value: unknown }[]).map(
    (point) => ({
      attributes: point.attributes,
      value: typeof point.value === 'number' ? point.value : ((point.value as { count?: number }).count ?? 0),
    }),
  );
}
