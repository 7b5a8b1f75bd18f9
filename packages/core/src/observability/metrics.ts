import type { Meter, MeterProvider } from './otel-types.ts';
import { VERSION } from '../version.ts';
import { getOpenTelemetryApi } from './otel-api.ts';

export interface MetricsOptions {
  /** Record metrics (default on). */
  readonly enableMetrics?: boolean;
  /** Use this provider instead of the global one. */
  readonly meterProvider?: MeterProvider;
}

/**
 * Instruments created on first use and cached per meter provider. A meter taken before the SDK
 * starts would stay a no-op for ever, so the provider is looked up on every call and a new
 * provider (the SDK started, or a test swapped it) gets fresh instruments.
 */
export function lazyInstruments<TInstruments>(
  scope: string,
  create: (meter: Meter) => TInstruments,
  options: MetricsOptions = {},
  version: string = VERSION,
): () => TInstruments | undefined {
  const cache = new WeakMap<MeterProvider, TInstruments>();
  return () => {
    if (options.enableMetrics === false) return undefined;
    const api = getOpenTelemetryApi();
    if (api === undefined) return undefined;
    const provider = options.meterProvider ?? api.metrics.getMeterProvider();
    let instruments = cache.get(provider);
    if (instruments === undefined) {
      instruments = create(provider.getMeter(scope, version));
      cache.set(provider, instruments);
    }
    return instruments;
  };
}

/** Milliseconds since `start` (a `performance.now()` reading). */
export function elapsedMs(start: number): number {
  return performance.now() - start;
}
