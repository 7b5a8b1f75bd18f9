import { measureRounds, type Operation, type RunContext, type Variant } from './measure.ts';
import { profiled } from './profiler.ts';
import type { SuiteContext } from './suite-context.ts';
import type { RatioResult, SpanCheck, VariantResult, WorkloadResult } from './results.ts';
import { spanDelta, type SpanCounts, type TracingMode } from './tracing.ts';

/** Throughput targets, as ratios measured in the same run. */
export const TRACING_SDK_TARGET = 0.9;
export const TRACING_API_TARGET = 0.98;

export interface Counts {
  readonly operations: number;
  readonly warmupOperations: number;
  readonly rounds: number;
}

/**
 * A store workload: the raw driver and the library do the same operation; the library runs in the
 * three tracing modes. Ratios: library (tracing off) / raw against `target`, SDK / off and API / off
 * against the tracing targets.
 */
export interface StoreWorkload {
  readonly id: string;
  readonly title: string;
  readonly system: string;
  readonly operation: string;
  readonly unit: string;
  readonly unitsPerOperation: number;
  readonly concurrency: number;
  readonly counts: Counts;
  /** The library / raw target. */
  readonly target: number;
  /**
   * Further baselines, reported as informational ratios `library / <name>` (not gated): e.g. the
   * statement one would write by hand where the library's own SQL does more.
   */
  readonly extraBaselines?: readonly ExtraBaseline[];
  readonly notes?: readonly string[];
  /** Untimed, before the first run (seeding). */
  setup?(): Promise<void> | void;
  raw(run: RunContext): Promise<Operation> | Operation;
  library(mode: TracingMode, run: RunContext): Promise<Operation> | Operation;
}

/** An informational baseline: another way of doing the operation, without the library. */
export interface ExtraBaseline {
  readonly name: string;
  /** A `library / <name>` target; informational (never gated) when absent. */
  readonly target?: number;
  prepare(run: RunContext): Promise<Operation> | Operation;
}

export const VARIANTS = ['raw', 'library', 'library.api', 'library.sdk'] as const;
const MODES: Record<(typeof VARIANTS)[number], TracingMode | 'none'> = {
  raw: 'none',
  library: 'off',
  'library.api': 'api',
  'library.sdk': 'sdk',
};

export async function runStoreWorkload(
  workload: StoreWorkload,
  context: Pick<SuiteContext, 'tracing' | 'progress' | 'variants' | 'profileDirectory'>,
): Promise<WorkloadResult> {
  const { tracing, progress } = context;
  const extras = workload.extraBaselines ?? [];
  const names: string[] = [...VARIANTS, ...extras.map((extra) => extra.name)].filter(
    (name) => context.variants.length === 0 || context.variants.includes(name),
  );
  const started = performance.now();
  progress.workloadStarted(workload.id, workload.title);
  let spansBefore: SpanCounts | undefined;
  let sdkOperations = 0;
  try {
    await workload.setup?.();
    const variants: Variant[] = names.map((name) => ({
      name,
      prepare: (run) => {
        const extra = extras.find((candidate) => candidate.name === name);
        if (extra !== undefined) {
          tracing.activate('none');
          return extra.prepare(run);
        }
        const mode = MODES[name as (typeof VARIANTS)[number]];
        tracing.activate(mode);
        if (mode === 'sdk') spansBefore ??= tracing.counts();
        return mode === 'none' ? workload.raw(run) : workload.library(mode, run);
      },
      finish: async (_run, result) => {
        if (name === 'library.sdk') {
          await tracing.flush();
          sdkOperations += result.operations;
        }
        tracing.activate('none');
      },
    }));
    const measurement = await profiled(context.profileDirectory, `${workload.id}.${names.join('+')}`, () =>
      measureRounds(variants, {
        rounds: workload.counts.rounds,
        operations: workload.counts.operations,
        warmupOperations: workload.counts.warmupOperations,
        concurrency: workload.concurrency,
        onRun: (variant, round, result) =>
          progress.run(workload.id, variant, round, workload.counts.rounds, result),
      }),
    );
    const variantResults: VariantResult[] = names.map((name) => {
      const measured = measurement.variants.get(name)!;
      return {
        name,
        opsPerSecond: measured.opsPerSecond,
        unitsPerSecond: measured.opsPerSecond * workload.unitsPerOperation,
        roundOpsPerSecond: measured.roundOpsPerSecond,
        p50Ms: measured.latency.p50,
        p99Ms: measured.latency.p99,
        maxMs: measured.latency.max,
        meanMs: measured.latency.mean,
        samples: measured.latency.count,
        cpuMsPerOperation: measured.cpuMsPerOperation,
      };
    });
    const ratios: RatioResult[] = [
      gate('library/raw', 'library', 'raw', workload.target),
      gate('tracing sdk/off', 'library.sdk', 'library', TRACING_SDK_TARGET),
      gate('tracing api/off', 'library.api', 'library', TRACING_API_TARGET),
      ...extras.map((extra) => gate(`library/${extra.name}`, 'library', extra.name, extra.target ?? null)),
    ].map(({ name, numerator, denominator, target }) => {
      const value = measurement.pairedRatio(numerator, denominator);
      return { name, numerator, denominator, value, target, pass: target === null || value >= target };
    });
    const counts = spanDelta(spansBefore ?? tracing.counts(), tracing.counts());
    const spans: SpanCheck | undefined = names.includes('library.sdk')
      ? {
          ...counts,
          dropped: counts.ended - counts.exported,
          perOperation: sdkOperations === 0 ? 0 : counts.started / sdkOperations,
          ok: counts.started > 0 && counts.started === counts.ended && counts.ended === counts.exported,
        }
      : undefined;
    const result: WorkloadResult = {
      id: workload.id,
      title: workload.title,
      system: workload.system,
      operation: workload.operation,
      unit: workload.unit,
      unitsPerOperation: workload.unitsPerOperation,
      operationsPerRound: workload.counts.operations,
      rounds: workload.counts.rounds,
      concurrency: workload.concurrency,
      variants: variantResults,
      ratios,
      ...(spans === undefined ? {} : { spans }),
      notes: workload.notes ?? [],
      durationMs: performance.now() - started,
    };
    progress.workloadDone(result);
    return result;
  } catch (error) {
    tracing.activate('none');
    const result = failedWorkload(workload, error, performance.now() - started);
    progress.workloadDone(result);
    return result;
  }
}

function gate(name: string, numerator: string, denominator: string, target: number | null) {
  return { name, numerator, denominator, target };
}

/** The result of a workload that could not run: no ratios, the error kept. */
export function failedWorkload(
  workload: Pick<
    StoreWorkload,
    | 'id'
    | 'title'
    | 'system'
    | 'operation'
    | 'unit'
    | 'unitsPerOperation'
    | 'concurrency'
    | 'counts'
    | 'notes'
  >,
  error: unknown,
  durationMs: number,
): WorkloadResult {
  return {
    id: workload.id,
    title: workload.title,
    system: workload.system,
    operation: workload.operation,
    unit: workload.unit,
    unitsPerOperation: workload.unitsPerOperation,
    operationsPerRound: workload.counts.operations,
    rounds: workload.counts.rounds,
    concurrency: workload.concurrency,
    variants: [],
    ratios: [],
    notes: workload.notes ?? [],
    durationMs,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}
