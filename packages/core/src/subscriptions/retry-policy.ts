import { InvalidArgumentError } from '../errors.ts';

/** How many times to retry and how long to wait before each retry. */
export interface RetryPolicy {
  readonly maxRetries: number;
  /** Delay before retry number `retry` (1-based), in milliseconds. */
  delayMs(retry: number): number;
}

export interface ExponentialBackoffOptions {
  readonly maxRetries?: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly multiplier?: number;
  /** Random spread as a fraction of the delay, 0..1. */
  readonly jitter?: number;
}

/** `initialDelayMs * multiplier^(retry-1)`, capped at `maxDelayMs`, spread by ±`jitter`. */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): RetryPolicy {
  const { maxRetries = 3, initialDelayMs = 100, maxDelayMs = 30_000, multiplier = 2, jitter = 0.1 } = options;
  if (!Number.isInteger(maxRetries) || maxRetries < 0)
    throw new InvalidArgumentError('maxRetries must be a non-negative integer');
  if (initialDelayMs < 0 || maxDelayMs < initialDelayMs)
    throw new InvalidArgumentError('need 0 <= initialDelayMs <= maxDelayMs');
  if (multiplier < 1) throw new InvalidArgumentError('multiplier must be >= 1');
  if (jitter < 0 || jitter > 1) throw new InvalidArgumentError('jitter must be within 0..1');
  return {
    maxRetries,
    delayMs(retry) {
      const base = Math.min(initialDelayMs * multiplier ** Math.max(0, retry - 1), maxDelayMs);
      return Math.max(0, base + base * jitter * (Math.random() * 2 - 1));
    },
  };
}

export const noRetry: RetryPolicy = { maxRetries: 0, delayMs: () => 0 };

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
