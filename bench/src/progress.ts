import type { ClosedLoopResult } from './measure.ts';
import {
  describeLatencyTarget,
  formatMs,
  formatNumber,
  formatRatio,
  type WorkloadResult,
} from './results.ts';
import { throughput } from './stats.ts';

/** What a person watching the run sees: one line per run, a small table per workload. */
export class Progress {
  readonly #write: (line: string) => void;
  readonly #verbose: boolean;

  constructor(options: { readonly verbose: boolean; readonly write?: (line: string) => void }) {
    this.#verbose = options.verbose;
    this.#write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  line(text = ''): void {
    this.#write(text);
  }

  section(title: string): void {
    this.#write('');
    this.#write(`== ${title}`);
  }

  workloadStarted(id: string, title: string): void {
    this.#write(`-- ${id}: ${title}`);
  }

  run(id: string, variant: string, round: number, rounds: number, result: ClosedLoopResult): void {
    const summary = result.latencies.summary();
    const text =
      `   round ${round}/${rounds} ${variant.padEnd(12)} ${formatNumber(throughput(result.operations, result.elapsedMs)).padStart(9)} ops/s` +
      `  p50 ${formatMs(summary.p50).padStart(7)} ms  p99 ${formatMs(summary.p99).padStart(7)} ms`;
    if (this.#verbose) this.#write(text);
    else process.stdout.write(`\r${text}`.padEnd(100));
  }

  workloadDone(result: WorkloadResult): void {
    if (!this.#verbose) process.stdout.write(`\r${' '.repeat(100)}\r`);
    if (result.error !== undefined) {
      this.#write(`   ERROR ${result.error}`);
      return;
    }
    for (const variant of result.variants) {
      this.#write(
        `   ${variant.name.padEnd(12)} ${formatNumber(variant.opsPerSecond).padStart(9)} ops/s ` +
          `${formatNumber(variant.unitsPerSecond).padStart(10)} ${result.unit}/s  p50 ${formatMs(variant.p50Ms).padStart(7)} ms  p99 ${formatMs(variant.p99Ms).padStart(7)} ms`,
      );
    }
    const ratios = result.ratios
      .map(
        (entry) =>
          `${entry.name} ${formatRatio(entry.value)} (${entry.target === null ? 'info' : `≥ ${entry.target} ${entry.pass ? 'ok' : 'MISS'}`})`,
      )
      .join('  ');
    const latencies = (result.latencyTargets ?? [])
      .map((entry) => `  ${describeLatencyTarget(entry)} ${entry.pass ? 'ok' : 'MISS'}`)
      .join('');
    this.#write(`   ${ratios}${latencies}`);
    if (result.spans !== undefined) {
      const spans = result.spans;
      this.#write(
        `   spans: ${spans.started} started, ${spans.exported} exported, ${spans.dropped} dropped, ${formatNumber(spans.perOperation, 2)}/op${spans.ok ? '' : '  <-- CHECK FAILED'}`,
      );
    }
    this.#write(`   (${formatNumber(result.durationMs / 1000, 1)} s)`);
  }
}
