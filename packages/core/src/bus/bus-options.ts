import { InvalidArgumentError } from '../errors.ts';
import type { EventRegistry } from '../events/event-registry.ts';
import { defaultRegistry } from '../events/event-registry.ts';
import type { TelemetryOptions } from '../observability/component-tracer.ts';
import type { MetricsOptions } from '../observability/metrics.ts';
import type { TracePropagationMode } from '../observability/propagation.ts';
import { exponentialBackoff, type RetryPolicy } from '../subscriptions/retry-policy.ts';
import { resolveWireFormat, type WireFormat, type WireFormatName } from './wire-format.ts';

/**
 * Options every broker bus accepts; each bus's own options extend these. Durations are in
 * milliseconds. Every field is optional.
 */
export interface EventBusOptions extends TelemetryOptions, MetricsOptions {
  /** Where event types are looked up when decoding. Default: core's default registry. */
  readonly registry?: EventRegistry;
  /** Every group gets every event; the members of one group share the work. Default `default`. */
  readonly consumerGroup?: string;
  /** Retries of a failing message before it is dead-lettered. Default 3. */
  readonly maxRetries?: number;
  /** Back-off before the first retry. Default 1000. */
  readonly retryBaseDelayMs?: number;
  /** Default 60000. */
  readonly retryMaxDelayMs?: number;
  /** Random spread of each delay, 0..1. Default 0.1. */
  readonly retryJitter?: number;
  /** Overrides the four retry fields above. */
  readonly retryPolicy?: RetryPolicy;
  /** Dead-letter messages that cannot be handled (else they are logged and dropped). Default true. */
  readonly enableDlq?: boolean;
  /** Consumer span: child of the producer span plus a link (`parent`, default), or a new trace with a link (`link`). */
  readonly propagation?: TracePropagationMode;
  /** How long `stopConsuming`/`close` wait for in-flight handlers. Default 30000. */
  readonly shutdownTimeoutMs?: number;
  /** How events look on the wire: this library's envelope (default) or eventsource-py's. */
  readonly wireFormat?: WireFormatName | WireFormat;
}

/** The shared options with every default applied and checked. */
export interface ResolvedEventBusOptions {
  readonly registry: EventRegistry;
  readonly consumerGroup: string;
  readonly retryPolicy: RetryPolicy;
  readonly enableDlq: boolean;
  readonly propagation: TracePropagationMode;
  readonly shutdownTimeoutMs: number;
  readonly wireFormat: WireFormat;
}

/** An integer option `>= minimum`, or `fallback` when absent; anything else is an {@link InvalidArgumentError}. */
export function integerOption(
  name: string,
  value: number | undefined,
  fallback: number,
  minimum = 1,
): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < minimum)
    throw new InvalidArgumentError(`${name} must be an integer >= ${minimum}, got ${String(resolved)}`);
  return resolved;
}

function numberBetween(
  name: string,
  value: number | undefined,
  fallback: number,
  low: number,
  high: number,
): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || Number.isNaN(resolved) || resolved < low || resolved > high)
    throw new InvalidArgumentError(
      `${name} must be a number from ${low} to ${high}, got ${String(resolved)}`,
    );
  return resolved;
}

/** Applies the defaults and rejects bad input with {@link InvalidArgumentError}, before anything connects. */
export function resolveEventBusOptions(options: EventBusOptions): ResolvedEventBusOptions {
  const consumerGroup = options.consumerGroup ?? 'default';
  if (typeof consumerGroup !== 'string' || consumerGroup.trim() === '')
    throw new InvalidArgumentError('consumerGroup must be a non-empty string');
  const propagation = options.propagation ?? 'parent';
  if (propagation !== 'parent' && propagation !== 'link')
    throw new InvalidArgumentError(`propagation must be "parent" or "link", got ${String(propagation)}`);
  const initialDelayMs = integerOption('retryBaseDelayMs', options.retryBaseDelayMs, 1_000, 0);
  const maxDelayMs = integerOption('retryMaxDelayMs', options.retryMaxDelayMs, 60_000, 0);
  if (maxDelayMs < initialDelayMs)
    throw new InvalidArgumentError('retryMaxDelayMs must not be lower than retryBaseDelayMs');
  return {
    registry: options.registry ?? defaultRegistry,
    consumerGroup,
    retryPolicy:
      options.retryPolicy ??
      exponentialBackoff({
        maxRetries: integerOption('maxRetries', options.maxRetries, 3, 0),
        initialDelayMs,
        maxDelayMs,
        jitter: numberBetween('retryJitter', options.retryJitter, 0.1, 0, 1),
      }),
    enableDlq: options.enableDlq ?? true,
    propagation,
    shutdownTimeoutMs: integerOption('shutdownTimeoutMs', options.shutdownTimeoutMs, 30_000, 0),
    wireFormat: resolveWireFormat(options.wireFormat),
  };
}
