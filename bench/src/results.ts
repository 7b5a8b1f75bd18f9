import type { SpanCounts } from './tracing.ts';

/** One ratio the suite gates on: `numerator / denominator` throughput, against a target. */
export interface RatioResult {
  /** `library/raw`, `tracing sdk/off`, `tracing api/off`, `bus/raw`. */
  readonly name: string;
  readonly numerator: string;
  readonly denominator: string;
  /** Median of the per-round ratios. */
  readonly value: number;
  /** `null` for an informational ratio (reported, never gated). */
  readonly target: number | null;
  /** Always true for informational ratios. */
  readonly pass: boolean;
}

/** A bound on one variant's p99 latency (a bus's paced run), gated like a ratio. */
export interface LatencyTarget {
  /** The variant whose latency is bounded (`library.paced`). */
  readonly variant: string;
  readonly p99Ms: number;
  readonly targetMs: number;
  readonly pass: boolean;
}

export interface VariantResult {
  readonly name: string;
  /** Median over rounds. */
  readonly opsPerSecond: number;
  /** `opsPerSecond` times the units one operation moves (events, messages). */
  readonly unitsPerSecond: number;
  readonly roundOpsPerSecond: readonly number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  readonly samples: number;
  /** This process's CPU time per operation (median over rounds). */
  readonly cpuMsPerOperation: number;
}

export interface SpanCheck extends SpanCounts {
  /** Spans ended but never handed to the exporter: must be 0. */
  readonly dropped: number;
  /** Spans per operation of the `library.sdk` variant (warm-up included). */
  readonly perOperation: number;
  readonly ok: boolean;
}

export interface WorkloadResult {
  readonly id: string;
  readonly title: string;
  readonly system: string;
  /** What one operation is (`append`, `batch of 100`, `load`, `page of 1,000`, `message`). */
  readonly operation: string;
  /** What throughput counts in `unitsPerSecond` (`events`, `messages`, ...). */
  readonly unit: string;
  readonly unitsPerOperation: number;
  readonly operationsPerRound: number;
  readonly rounds: number;
  readonly concurrency: number;
  readonly variants: readonly VariantResult[];
  readonly ratios: readonly RatioResult[];
  readonly latencyTargets?: readonly LatencyTarget[];
  readonly spans?: SpanCheck;
  /** How the raw side differs from the library's statements, and other caveats. */
  readonly notes: readonly string[];
  readonly durationMs: number;
  /** Set when the workload could not run; its ratios are then missing. */
  readonly error?: string;
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly v8: string;
  readonly loadAverage: readonly number[];
}

export interface BenchResults {
  readonly suite: '@eventsource/bench';
  readonly mode: 'quick' | 'full';
  readonly startedAt: string;
  readonly durationMs: number;
  readonly gitCommit: string | null;
  readonly gitDirty: boolean | null;
  readonly machine: MachineInfo;
  readonly versions: Readonly<Record<string, string>>;
  readonly servers: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly workloads: readonly WorkloadResult[];
  readonly summary: {
    /** Gated targets: ratios and latency bounds. */
    readonly ratios: number;
    readonly passed: number;
    readonly failed: readonly string[];
    readonly errors: readonly string[];
  };
}

export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : 'n/a';
}

/** `library.paced p99 1.33 ms ≤ 5 ms`. */
export function describeLatencyTarget(entry: LatencyTarget): string {
  return `${entry.variant} p99 ${formatMs(entry.p99Ms)} ms ${entry.pass ? '≤' : '>'} ${entry.targetMs} ms`;
}

/** Every gated ratio and latency bound of a run; the missed ones as `workload: ...`. */
export function summarize(workloads: readonly WorkloadResult[]): BenchResults['summary'] {
  const targets = workloads.flatMap((workload) => [
    ...workload.ratios
      .filter((entry) => entry.target !== null)
      .map((entry) => ({
        pass: entry.pass,
        miss: `${workload.id}: ${entry.name} ${formatRatio(entry.value)} < ${entry.target}`,
      })),
    ...(workload.latencyTargets ?? []).map((entry) => ({
      pass: entry.pass,
      miss: `${workload.id}: ${describeLatencyTarget(entry)}`,
    })),
  ]);
  return {
    ratios: targets.length,
    passed: targets.filter((target) => target.pass).length,
    failed: targets.filter((target) => !target.pass).map((target) => target.miss),
    errors: workloads.flatMap((workload) => [
      ...(workload.error === undefined ? [] : [`${workload.id}: ${workload.error}`]),
      ...(workload.spans !== undefined && !workload.spans.ok
        ? [
            `${workload.id}: spans started ${workload.spans.started}, ended ${workload.spans.ended}, exported ${workload.spans.exported}`,
          ]
        : []),
    ]),
  };
}

/** The markdown report: one row per ratio, then absolute figures per variant. */
export function toMarkdown(results: BenchResults): string {
  const lines: string[] = [];
  lines.push(`# Benchmark results (${results.mode})`, '');
  lines.push(
    `${results.startedAt}, commit ${results.gitCommit ?? 'unknown'}${results.gitDirty ? ' (uncommitted changes)' : ''}; ` +
      `${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryGiB} GiB, ${results.machine.os}, Node ${results.machine.node}; ` +
      `load average ${results.machine.loadAverage.join(', ')}; took ${formatNumber(results.durationMs / 1000, 0)} s.`,
    '',
  );
  lines.push(
    'Ratios are throughput over throughput in the same run: the median of the per-round ratios, each round running every variant once (rounds per workload in the JSON); above 1 the library is faster. ' +
      `Latency bounds are on the p99 of a paced run. ${results.summary.passed} of ${results.summary.ratios} targets are met.`,
    '',
  );
  lines.push('| Workload | Ratio | Value | Target | Result |', '|---|---|---:|---:|---|');
  for (const workload of results.workloads) {
    if (workload.error !== undefined)
      lines.push(`| ${workload.id} | – | – | – | error: ${escapeCell(workload.error)} |`);
    for (const entry of workload.ratios) {
      lines.push(
        `| ${workload.id} | ${entry.name} | ${formatRatio(entry.value)} | ${entry.target === null ? '–' : `≥ ${entry.target}`} | ${entry.target === null ? 'info' : entry.pass ? 'pass' : '**miss**'} |`,
      );
    }
    for (const entry of workload.latencyTargets ?? []) {
      lines.push(
        `| ${workload.id} | ${entry.variant} p99 | ${formatMs(entry.p99Ms)} ms | ≤ ${entry.targetMs} ms | ${entry.pass ? 'pass' : '**miss**'} |`,
      );
    }
  }
  lines.push('', '## Absolute figures', '');
  lines.push(
    '| Workload | Variant | ops/s | units/s | p50 ms | p99 ms | CPU ms/op |',
    '|---|---|---:|---:|---:|---:|---:|',
  );
  for (const workload of results.workloads) {
    for (const variant of workload.variants) {
      lines.push(
        `| ${workload.id} | ${variant.name} | ${formatNumber(variant.opsPerSecond)} | ${formatNumber(variant.unitsPerSecond)} ${workload.unit} | ` +
          `${formatMs(variant.p50Ms)} | ${formatMs(variant.p99Ms)} | ${formatMs(variant.cpuMsPerOperation)} |`,
      );
    }
  }
  const spanRows = results.workloads.filter((workload) => workload.spans !== undefined);
  if (spanRows.length > 0) {
    lines.push(
      '',
      '## Spans in the SDK runs',
      '',
      '| Workload | started | exported | dropped | per op |',
      '|---|---:|---:|---:|---:|',
    );
    for (const workload of spanRows) {
      const spans = workload.spans!;
      lines.push(
        `| ${workload.id} | ${spans.started} | ${spans.exported} | ${spans.dropped} | ${formatNumber(spans.perOperation, 2)} |`,
      );
    }
  }
  const notes = new Map<string, string[]>();
  for (const workload of results.workloads) {
    for (const note of workload.notes) notes.set(note, [...(notes.get(note) ?? []), workload.id]);
  }
  if (notes.size > 0) {
    lines.push('', '## Notes', '');
    for (const [note, ids] of notes) lines.push(`- ${ids.join(', ')}: ${note}`);
  }
  lines.push('', '## Versions', '');
  for (const [name, version] of Object.entries({ ...results.versions, ...results.servers }))
    lines.push(`- ${name}: ${version}`);
  lines.push('');
  return lines.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
