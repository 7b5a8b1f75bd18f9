import type { Progress } from './progress.ts';
import type { WorkloadResult } from './results.ts';
import type { TracingHarness } from './tracing.ts';

export type BenchMode = 'quick' | 'full';

/** What every suite (SQLite, PostgreSQL, buses) is given. */
export interface SuiteContext {
  readonly mode: BenchMode;
  readonly tracing: TracingHarness;
  readonly progress: Progress;
  /** Unique per run: prefixes schema, file and topic names, so runs never share state. */
  readonly runId: string;
  /** Only workloads whose id contains one of these run (all when empty). */
  readonly filters: readonly string[];
  /** Only these variants of the store workloads run (all when empty). */
  readonly variants: readonly string[];
  /** When set, each store workload's measured rounds are CPU-profiled into this directory. */
  readonly profileDirectory: string | undefined;
  /** Versions and settings of servers, filled in by the suites for the results file. */
  readonly servers: Record<string, string>;
}

export interface Suite {
  readonly name: string;
  /** The workload ids this suite runs, so it can be skipped whole when filtered out. */
  readonly workloadIds: readonly string[];
  run(context: SuiteContext): Promise<WorkloadResult[]>;
}

/** The quick or the full value. */
export function pick<T>(context: Pick<SuiteContext, 'mode'>, quick: T, full: T): T {
  return context.mode === 'quick' ? quick : full;
}

export function selected(context: Pick<SuiteContext, 'filters'>, id: string): boolean {
  return context.filters.length === 0 || context.filters.some((filter) => id.includes(filter));
}
