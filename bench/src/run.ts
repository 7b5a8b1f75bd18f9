import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArguments, USAGE } from './arguments.ts';
import { gitState, machineInfo, packageVersions } from './machine.ts';
import { Progress } from './progress.ts';
import {
  describeLatencyTarget,
  formatRatio,
  summarize,
  toMarkdown,
  type BenchResults,
  type WorkloadResult,
} from './results.ts';
import { selected, type Suite, type SuiteContext } from './suite-context.ts';
import { TracingHarness } from './tracing.ts';
import { busSuite } from './workloads/buses.ts';
import { postgresSuite } from './workloads/postgres.ts';
import { sqliteSuite } from './workloads/sqlite.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SUITES: readonly Suite[] = [sqliteSuite, postgresSuite, busSuite];

/** Runs the suites, prints as it goes, writes `bench/results/latest.{json,md}`. Returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const options = parseArguments(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const startedAt = new Date();
  const started = performance.now();
  const progress = new Progress({ verbose: options.verbose || !process.stdout.isTTY });
  const tracing = new TracingHarness();
  const context: SuiteContext = {
    mode: options.mode,
    tracing,
    progress,
    runId: `b${startedAt.getTime().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    filters: options.filters,
    variants: options.variants,
    profileDirectory: options.profile
      ? join(options.outputDirectory ?? join(ROOT, 'bench', 'results'), 'profiles')
      : undefined,
    servers: {},
  };
  progress.line(
    `@eventsource/bench: ${options.mode} pass${options.filters.length > 0 ? ` (only ${options.filters.join(', ')})` : ''}, ` +
      `Node ${process.versions.node}, ${machineInfo().cpus} CPUs; gc between runs: ${typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'yes' : 'no'}`,
  );

  if (context.profileDirectory !== undefined) mkdirSync(context.profileDirectory, { recursive: true });
  const workloads: WorkloadResult[] = [];
  try {
    for (const suite of SUITES) {
      if (!suite.workloadIds.some((id) => selected(context, id))) continue;
      progress.section(suite.name);
      workloads.push(...(await suite.run(context)));
    }
  } finally {
    await tracing.shutdown();
  }

  const git = gitState(ROOT);
  const results: BenchResults = {
    suite: '@eventsource/bench',
    mode: options.mode,
    startedAt: startedAt.toISOString(),
    durationMs: performance.now() - started,
    gitCommit: git.commit,
    gitDirty: git.dirty,
    machine: machineInfo(),
    versions: packageVersions(),
    servers: context.servers,
    settings: {
      filters: options.filters,
      variants: options.variants,
      gcBetweenRuns: typeof (globalThis as { gc?: unknown }).gc === 'function',
      tracingSdk:
        'TracerProvider + BatchSpanProcessor(maxQueueSize 1048576, maxExportBatchSize 512, scheduledDelayMillis 200) + counting, discarding exporter + AsyncLocalStorageContextManager',
      metrics: 'no MeterProvider registered in any variant (metric calls are no-ops)',
      ratio:
        'median over rounds of (numerator throughput / denominator throughput) within each round; variants run in a rotating order each round',
    },
    workloads,
    summary: summarize(workloads),
  };

  const directory = options.outputDirectory ?? join(ROOT, 'bench', 'results');
  const baseName = options.filters.length === 0 && options.variants.length === 0 ? 'latest' : 'filtered';
  mkdirSync(directory, { recursive: true });
  const jsonPath = join(directory, `${baseName}.json`);
  const markdownPath = join(directory, `${baseName}.md`);
  const json = await formatted(jsonPath, `${JSON.stringify(results, jsonReplacer, 2)}\n`);
  const markdown = await formatted(markdownPath, toMarkdown(results));
  writeFileSync(jsonPath, json);
  writeFileSync(markdownPath, markdown);
  if (baseName === 'latest') {
    // The last run of each mode stays beside `latest`, so a quick run never hides the last full one.
    writeFileSync(join(directory, `${options.mode}.json`), json);
    writeFileSync(join(directory, `${options.mode}.md`), markdown);
  }

  progress.section(`Summary (${(results.durationMs / 1000).toFixed(0)} s)`);
  for (const workload of workloads) {
    const ratios = [
      ...workload.ratios.map(
        (entry) => `${entry.name} ${formatRatio(entry.value)}${entry.pass ? '' : ` < ${entry.target}`}`,
      ),
      ...(workload.latencyTargets ?? []).map(describeLatencyTarget),
    ];
    progress.line(
      `${workload.id.padEnd(28)} ${workload.error === undefined ? ratios.join('  ') : `ERROR ${workload.error}`}`,
    );
  }
  progress.line('');
  progress.line(
    `${results.summary.passed}/${results.summary.ratios} targets met (ratios and latency bounds).`,
  );
  for (const error of results.summary.errors) progress.line(`error: ${error}`);
  progress.line(`Wrote ${relative(process.cwd(), jsonPath)} and ${relative(process.cwd(), markdownPath)}.`);
  if (results.summary.errors.length > 0) return 1;
  if (options.strict && results.summary.failed.length > 0) return 2;
  return 0;
}

/** The repository's prettier style, so the committed results pass `pnpm format:check`. */
async function formatted(path: string, text: string): Promise<string> {
  const prettier = await import('prettier');
  const config = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(text, { ...config, filepath: path });
}

/** NaN and infinities become null in the JSON (JSON has no NaN). */
function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
