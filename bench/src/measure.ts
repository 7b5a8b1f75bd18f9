import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { LatencyRecorder, median, ratio, throughput, type LatencySummary } from './stats.ts';

/** One timed unit of work; `index` is unique within a round, so it can name a fresh stream. */
export type Operation = (index: number) => unknown;

export interface ClosedLoopOptions {
  /** Operations to run in all. */
  readonly operations: number;
  /** Workers, each with one operation in flight. */
  readonly concurrency: number;
  /**
   * Each worker yields to the event loop after this many operations (default 64), so timers
   * (the batch span processor's, the driver's) run even when every operation resolves without I/O.
   * The same for every variant of a workload.
   */
  readonly yieldEvery?: number;
}

export interface ClosedLoopResult {
  readonly operations: number;
  readonly elapsedMs: number;
  readonly latencies: LatencyRecorder;
  /** Process CPU time (user + system) spent during the loop, in milliseconds. */
  readonly cpuMs: number;
}

/**
 * Runs `operation` `operations` times with `concurrency` workers pulling from one counter, timing
 * each call with the high-resolution clock. Throughput is operations over the wall time of the
 * whole loop; latencies are per call (so they include queueing behind other workers).
 */
export async function closedLoop(
  operation: Operation,
  options: ClosedLoopOptions,
): Promise<ClosedLoopResult> {
  const latencies = new LatencyRecorder(options.operations);
  const yieldEvery = options.yieldEvery ?? 64;
  let next = 0;
  const worker = async (): Promise<void> => {
    let sinceYield = 0;
    while (next < options.operations) {
      const index = next;
      next += 1;
      const started = performance.now();
      await operation(index);
      latencies.record(performance.now() - started);
      sinceYield += 1;
      if (sinceYield >= yieldEvery) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
    }
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { operations: options.operations, elapsedMs, latencies, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** A way of doing a workload's operation: the raw driver, or the library in one tracing mode. */
export interface Variant {
  /** `raw`, `library`, `library.api`, `library.sdk`, ... */
  readonly name: string;
  /** Called before each run (untimed): returns the operation for that run. */
  prepare(run: RunContext): Promise<Operation> | Operation;
  /** Called after each run (untimed), e.g. to flush spans. */
  finish?(run: RunContext, result: ClosedLoopResult): Promise<void> | void;
}

export interface RunContext {
  /** `warmup` or the round number, from 1. */
  readonly round: number | 'warmup';
  /** A prefix unique to this variant and run, for stream names. */
  readonly prefix: string;
  readonly operations: number;
}

export interface RoundsOptions {
  readonly rounds: number;
  readonly operations: number;
  readonly warmupOperations: number;
  readonly concurrency: number;
  readonly yieldEvery?: number;
  /** Called after each run, for progress output. */
  readonly onRun?: (variant: string, round: number, result: ClosedLoopResult) => void;
}

export interface VariantMeasurement {
  readonly name: string;
  /** Median over rounds of operations per second. */
  readonly opsPerSecond: number;
  /** Each round's operations per second, in round order. */
  readonly roundOpsPerSecond: readonly number[];
  /** Latency over every timed operation of every round, in milliseconds. */
  readonly latency: LatencySummary;
  /** Median over rounds of this process's CPU time per operation, in milliseconds. */
  readonly cpuMsPerOperation: number;
}

export interface RoundsMeasurement {
  readonly variants: ReadonlyMap<string, VariantMeasurement>;
  readonly rounds: number;
  /** Median of the per-round ratios `a / b` (each round pairs runs made seconds apart). */
  pairedRatio(numerator: string, denominator: string): number;
}

/**
 * Warms every variant up, then runs `rounds` rounds; each round runs every variant once, starting
 * with a different variant each round so that none always runs first (or right after a GC). A
 * full GC precedes every run when the process was started with `--expose-gc`.
 */
export async function measureRounds(
  variants: readonly Variant[],
  options: RoundsOptions,
): Promise<RoundsMeasurement> {
  const perVariant = new Map(
    variants.map((variant) => [
      variant.name,
      {
        throughputs: [] as number[],
        cpu: [] as number[],
        latencies: new LatencyRecorder(options.operations * options.rounds),
      },
    ]),
  );
  const runOnce = async (
    variant: Variant,
    round: number | 'warmup',
    operations: number,
  ): Promise<ClosedLoopResult> => {
    const context: RunContext = {
      round,
      prefix: `${variant.name}-${round}-${Math.random().toString(36).slice(2, 8)}`,
      operations,
    };
    const operation = await variant.prepare(context);
    collectGarbage();
    const result = await closedLoop(operation, {
      operations,
      concurrency: options.concurrency,
      yieldEvery: options.yieldEvery,
    });
    await variant.finish?.(context, result);
    return result;
  };
  if (options.warmupOperations > 0) {
    for (const variant of variants) await runOnce(variant, 'warmup', options.warmupOperations);
  }
  for (let round = 1; round <= options.rounds; round += 1) {
    for (let offset = 0; offset < variants.length; offset += 1) {
      const variant = variants[(round - 1 + offset) % variants.length]!;
      const result = await runOnce(variant, round, options.operations);
      const record = perVariant.get(variant.name)!;
      record.throughputs.push(throughput(result.operations, result.elapsedMs));
      record.cpu.push(result.cpuMs / result.operations);
      record.latencies.merge(result.latencies);
      options.onRun?.(variant.name, round, result);
    }
  }
  const measured = new Map<string, VariantMeasurement>();
  for (const [name, record] of perVariant) {
    measured.set(name, {
      name,
      opsPerSecond: median(record.throughputs),
      roundOpsPerSecond: record.throughputs,
      latency: record.latencies.summary(),
      cpuMsPerOperation: median(record.cpu),
    });
  }
  return {
    variants: measured,
    rounds: options.rounds,
    pairedRatio(numerator, denominator) {
      const top = perVariant.get(numerator)?.throughputs ?? [];
      const bottom = perVariant.get(denominator)?.throughputs ?? [];
      return median(top.map((value, index) => ratio(value, bottom[index] ?? Number.NaN)));
    },
  };
}

/** A full collection between runs, so one variant's garbage is not collected on another's time. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}
