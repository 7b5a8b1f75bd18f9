import { setTimeout as sleep } from 'node:timers/promises';
import { collectGarbage } from '../measure.ts';
import { profiled } from '../profiler.ts';
import type { LatencyTarget, RatioResult, VariantResult, WorkloadResult } from '../results.ts';
import { LatencyRecorder, median, ratio } from '../stats.ts';
import { failedWorkload } from '../store-workload.ts';
import type { SuiteContext } from '../suite-context.ts';
import type { BusDriver } from './bus-driver.ts';

export interface BusCounts {
  /** Messages per saturated run (published in batches of `batchSize`, one batch in flight). */
  readonly messages: number;
  readonly batchSize: number;
  readonly warmupMessages: number;
  readonly rounds: number;
  /** The paced run: this many messages per second, in batches of `pacedBatchSize`. */
  readonly pacedRate: number;
  readonly pacedMessages: number;
  readonly pacedBatchSize: number;
  /** A run fails when its messages are not all handled within this long. */
  readonly timeoutMs: number;
}

/** Library bus against the raw client on one broker: both drivers are set up once, then alternate. */
export interface BusComparison {
  readonly id: string;
  readonly title: string;
  readonly system: string;
  /** Publish-to-handled throughput of the library over the raw client's. */
  readonly target: number;
  /** Bound on the library's p99 publish-to-handled latency in the paced run, when the bus has one. */
  readonly pacedP99TargetMs?: number;
  readonly counts: BusCounts;
  readonly notes: readonly string[];
  /** Both drivers, built with the same settings. */
  drivers(): { readonly raw: BusDriver; readonly library: BusDriver };
}

/** Counts handled messages of the run in progress and records their publish-to-handled latency. */
class RunTracker {
  readonly latencies: LatencyRecorder;
  readonly #expected: number;
  readonly #done = Promise.withResolvers<void>();
  handled = 0;
  lastHandledAt = 0;

  constructor(expected: number) {
    this.#expected = expected;
    this.latencies = new LatencyRecorder(expected);
  }

  record(sentAt: number): void {
    const now = performance.now();
    this.latencies.record(now - sentAt);
    this.handled += 1;
    this.lastHandledAt = now;
    if (this.handled === this.#expected) this.#done.resolve();
  }

  async waitAll(timeoutMs: number, what: string): Promise<void> {
    const timer = sleep(timeoutMs, 'timeout' as const, { ref: false });
    const outcome = await Promise.race([this.#done.promise, timer]);
    if (outcome === 'timeout')
      throw new Error(`${what}: ${this.handled} of ${this.#expected} messages handled after ${timeoutMs} ms`);
  }
}

interface RunOutcome {
  readonly messagesPerSecond: number;
  readonly latencies: LatencyRecorder;
  readonly cpuMsPerMessage: number;
}

export async function runBusComparison(
  comparison: BusComparison,
  context: Pick<SuiteContext, 'runId' | 'progress' | 'profileDirectory'>,
): Promise<WorkloadResult> {
  const { runId, progress } = context;
  const started = performance.now();
  progress.workloadStarted(comparison.id, comparison.title);
  const { counts } = comparison;
  const shape = {
    id: comparison.id,
    title: comparison.title,
    system: comparison.system,
    operation: 'message',
    unit: 'messages',
    unitsPerOperation: 1,
    concurrency: 1,
    counts: { operations: counts.messages, warmupOperations: counts.warmupMessages, rounds: counts.rounds },
    notes: comparison.notes,
  };
  let drivers: { readonly raw: BusDriver; readonly library: BusDriver } | undefined;
  const trackers = new Map<string, RunTracker>();
  try {
    drivers = comparison.drivers();
    const ordered = [drivers.raw, drivers.library];
    for (const driver of ordered) {
      driver.onHandled((sentAt) => trackers.get(driver.name)?.record(sentAt));
      await driver.setup(runId);
    }
    let nextIndex = 0;
    const saturated = async (driver: BusDriver, messages: number): Promise<RunOutcome> => {
      const tracker = new RunTracker(messages);
      trackers.set(driver.name, tracker);
      collectGarbage();
      const cpuBefore = process.cpuUsage();
      const runStarted = performance.now();
      for (let sent = 0; sent < messages; sent += counts.batchSize) {
        const size = Math.min(counts.batchSize, messages - sent);
        await driver.publishBatch(size, nextIndex);
        nextIndex += size;
      }
      await tracker.waitAll(counts.timeoutMs, `${comparison.id} ${driver.name}`);
      const cpu = process.cpuUsage(cpuBefore);
      trackers.delete(driver.name);
      return {
        messagesPerSecond: (messages * 1000) / (tracker.lastHandledAt - runStarted),
        latencies: tracker.latencies,
        cpuMsPerMessage: (cpu.user + cpu.system) / 1000 / messages,
      };
    };
    const paced = async (driver: BusDriver): Promise<RunOutcome> => {
      const tracker = new RunTracker(counts.pacedMessages);
      trackers.set(driver.name, tracker);
      collectGarbage();
      const intervalMs = (1000 * counts.pacedBatchSize) / counts.pacedRate;
      const runStarted = performance.now();
      const inFlight: Promise<void>[] = [];
      for (let batch = 0; batch * counts.pacedBatchSize < counts.pacedMessages; batch += 1) {
        const due = runStarted + batch * intervalMs;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const size = Math.min(counts.pacedBatchSize, counts.pacedMessages - batch * counts.pacedBatchSize);
        inFlight.push(driver.publishBatch(size, nextIndex));
        nextIndex += size;
      }
      await Promise.all(inFlight);
      await tracker.waitAll(counts.timeoutMs, `${comparison.id} ${driver.name} paced`);
      trackers.delete(driver.name);
      return {
        messagesPerSecond: (counts.pacedMessages * 1000) / (tracker.lastHandledAt - runStarted),
        latencies: tracker.latencies,
        cpuMsPerMessage: Number.NaN,
      };
    };

    for (const driver of ordered) await saturated(driver, counts.warmupMessages);
    const records = new Map(
      ordered.flatMap((driver) => [
        [driver.name, { throughputs: [] as number[], cpu: [] as number[], latencies: new LatencyRecorder() }],
        [
          `${driver.name}.paced`,
          { throughputs: [] as number[], cpu: [] as number[], latencies: new LatencyRecorder() },
        ],
      ]),
    );
    await profiled(context.profileDirectory, `${comparison.id}.raw+library`, async () => {
      for (let round = 1; round <= counts.rounds; round += 1) {
        const order = round % 2 === 1 ? ordered : [...ordered].reverse();
        for (const driver of order) {
          const outcome = await saturated(driver, counts.messages);
          const record = records.get(driver.name)!;
          record.throughputs.push(outcome.messagesPerSecond);
          record.cpu.push(outcome.cpuMsPerMessage);
          record.latencies.merge(outcome.latencies);
          progress.run(comparison.id, driver.name, round, counts.rounds, {
            operations: counts.messages,
            elapsedMs: (counts.messages * 1000) / outcome.messagesPerSecond,
            latencies: outcome.latencies,
            cpuMs: outcome.cpuMsPerMessage * counts.messages,
          });
        }
        for (const driver of order) {
          const outcome = await paced(driver);
          const record = records.get(`${driver.name}.paced`)!;
          record.throughputs.push(outcome.messagesPerSecond);
          record.latencies.merge(outcome.latencies);
          progress.run(comparison.id, `${driver.name}.paced`, round, counts.rounds, {
            operations: counts.pacedMessages,
            elapsedMs: (counts.pacedMessages * 1000) / outcome.messagesPerSecond,
            latencies: outcome.latencies,
            cpuMs: Number.NaN,
          });
        }
      }
    });
    const variants: VariantResult[] = [...records].map(([name, record]) => {
      const latency = record.latencies.summary();
      const opsPerSecond = median(record.throughputs);
      return {
        name,
        opsPerSecond,
        unitsPerSecond: opsPerSecond,
        roundOpsPerSecond: record.throughputs,
        p50Ms: latency.p50,
        p99Ms: latency.p99,
        maxMs: latency.max,
        meanMs: latency.mean,
        samples: latency.count,
        cpuMsPerOperation: median(record.cpu),
      };
    });
    const rawRounds = records.get(drivers.raw.name)!.throughputs;
    const value = median(
      records
        .get(drivers.library.name)!
        .throughputs.map((library, index) => ratio(library, rawRounds[index]!)),
    );
    const ratios: RatioResult[] = [
      {
        name: 'bus/raw',
        numerator: drivers.library.name,
        denominator: drivers.raw.name,
        value,
        target: comparison.target,
        pass: value >= comparison.target,
      },
    ];
    const pacedName = `${drivers.library.name}.paced`;
    const libraryPaced = variants.find((variant) => variant.name === pacedName);
    const latencyTargets: LatencyTarget[] =
      comparison.pacedP99TargetMs === undefined || libraryPaced === undefined
        ? []
        : [
            {
              variant: libraryPaced.name,
              p99Ms: libraryPaced.p99Ms,
              targetMs: comparison.pacedP99TargetMs,
              pass: libraryPaced.p99Ms <= comparison.pacedP99TargetMs,
            },
          ];
    const settings = Object.entries(drivers.library.settings)
      .map(([key, setting]) => `${key}=${setting}`)
      .join(', ');
    const result: WorkloadResult = {
      ...shape,
      operationsPerRound: counts.messages,
      rounds: counts.rounds,
      variants,
      ratios,
      latencyTargets,
      notes: [
        ...comparison.notes,
        `Both drivers: ${settings}. Saturated runs publish ${counts.messages} messages in batches of ${counts.batchSize}, one batch in flight, and end when the last is handled; latency is publish-stamp to handler. *.paced: ${counts.pacedRate} msg/s in batches of ${counts.pacedBatchSize} (latency without backlog).`,
      ],
      durationMs: performance.now() - started,
    };
    progress.workloadDone(result);
    return result;
  } catch (error) {
    const result = failedWorkload(shape, error, performance.now() - started);
    progress.workloadDone(result);
    return result;
  } finally {
    if (drivers !== undefined) {
      for (const driver of [drivers.raw, drivers.library]) await driver.teardown().catch(() => undefined);
    }
  }
}
