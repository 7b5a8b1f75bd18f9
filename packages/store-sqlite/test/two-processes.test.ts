import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { defineEvent, EventRegistry, type StoredEvent } from '@eventsource/core';
import { SQLiteEventStore } from '../src/index.ts';
import { tempDirectory } from './temp-database.ts';

interface WorkerReport {
  readonly worker: string;
  readonly appended: string[];
  readonly conflicts: number;
  readonly unexpected: string[];
  readonly firstAppendWon: boolean;
}

const WORKERS = 4;
const ITERATIONS = 150;
const STREAMS = 3;
const fixture = join(import.meta.dirname, 'fixtures', 'concurrent-appender.ts');

function startWorker(
  file: string,
  worker: number,
): { child: ChildProcessWithoutNullStreams; ready: Promise<void>; report: Promise<WorkerReport> } {
  const child = spawn(
    process.execPath,
    ['--conditions=@eventsource/source', fixture, file, String(worker), String(ITERATIONS), String(STREAMS)],
    {
      cwd: join(import.meta.dirname, '..'),
    },
  );
  let stdout = '';
  let stderr = '';
  let signalReady: () => void;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) signalReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const report = new Promise<WorkerReport>((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`worker ${worker} exited with ${code}: ${stderr}`));
      resolve(JSON.parse(stdout.split('\n').filter(Boolean).at(-1)!) as WorkerReport);
    });
  });
  return { child, ready, report };
}

describe('two processes appending to one file', () => {
  const directory = tempDirectory();
  afterAll(() => directory.remove());

  it('detects every conflict and neither loses nor duplicates an event', async () => {
    const file = directory.path();
    const workers = Array.from({ length: WORKERS }, (_, index) => startWorker(file, index));
    await Promise.all(workers.map((worker) => worker.ready));
    for (const worker of workers) worker.child.stdin.end('go\n');
    const reports = await Promise.all(workers.map((worker) => worker.report));

    expect(reports.flatMap((report) => report.unexpected)).toEqual([]);
    expect(reports.filter((report) => report.firstAppendWon)).toHaveLength(1);
    const conflicts = reports.reduce((sum, report) => sum + report.conflicts, 0);
    expect(conflicts).toBeGreaterThanOrEqual(WORKERS - 1);

    const RaceEventAppended = defineEvent<{ worker: string; attempt: number }>('RaceEventAppended', {
      aggregateType: 'Race',
    });
    const registry = new EventRegistry();
    registry.register(RaceEventAppended);
    await using store = new SQLiteEventStore({ database: file, eventRegistry: registry });
    const stored: StoredEvent[] = [];
    for await (const event of store.readAll({ pageSize: 100 })) stored.push(event);

    const appended = reports.flatMap((report) => report.appended);
    expect(stored).toHaveLength(appended.length);
    expect(new Set(stored.map((event) => event.event.eventId))).toEqual(new Set(appended));
    const positions = stored.map((event) => event.globalPosition);
    expect(positions.every((position, index) => index === 0 || position > positions[index - 1]!)).toBe(true);

    for (const streamId of [
      'race-first',
      ...Array.from({ length: STREAMS }, (_, index) => `race-${index}`),
    ]) {
      const stream = await store.getEvents(streamId, 'Race');
      expect(stream.events.map((event) => event.aggregateVersion)).toEqual(
        Array.from({ length: stream.version }, (_, index) => index + 1),
      );
    }
    expect((await store.getEvents('race-first', 'Race')).version).toBe(1);
  }, 120_000);
});
