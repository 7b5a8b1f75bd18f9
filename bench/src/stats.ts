/**
 * Statistics the harness reports. Percentiles use the nearest-rank method on sorted samples, so
 * a reported p99 is always a latency that was actually observed.
 */

/** The `p`-th percentile (0 < p <= 100) of `samples` by nearest rank; NaN when there are none. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  return sortedPercentile(sorted, p);
}

/** Like {@link percentile} for samples already sorted ascending. */
export function sortedPercentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The median: the mean of the two middle values for an even count; NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `library / baseline`: above 1 means the library was faster. NaN when either is not a positive number. */
export function ratio(library: number, baseline: number): number {
  if (!(library >= 0) || !(baseline > 0) || !Number.isFinite(library) || !Number.isFinite(baseline))
    return Number.NaN;
  return library / baseline;
}

/** Operations per second for `operations` done in `elapsedMs` milliseconds. */
export function throughput(operations: number, elapsedMs: number): number {
  if (!(elapsedMs > 0)) return Number.NaN;
  return (operations * 1000) / elapsedMs;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** p50, p99, max and mean of latency samples (milliseconds in, milliseconds out). */
export function summarizeLatencies(samples: ArrayLike<number>): LatencySummary {
  if (samples.length === 0)
    return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const sample of sorted) sum += sample;
  return {
    count: sorted.length,
    p50: sortedPercentile(sorted, 50),
    p99: sortedPercentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
  };
}

/** A growable buffer of latency samples, cheap enough to call once per operation. */
export class LatencyRecorder {
  #samples: Float64Array;
  #count = 0;

  constructor(capacity = 1024) {
    this.#samples = new Float64Array(Math.max(16, capacity));
  }

  get count(): number {
    return this.#count;
  }

  record(milliseconds: number): void {
    if (this.#count === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2);
      grown.set(this.#samples);
      this.#samples = grown;
    }
    this.#samples[this.#count] = milliseconds;
    this.#count += 1;
  }

  /** Appends every sample of `other`. */
  merge(other: LatencyRecorder): void {
    for (const sample of other.samples()) this.record(sample);
  }

  samples(): Float64Array {
    return this.#samples.subarray(0, this.#count);
  }

  summary(): LatencySummary {
    return summarizeLatencies(this.samples());
  }
}
