import { describe, expect, it } from '@jest/globals';
import { summarize, toMarkdown, type BenchResults, type WorkloadResult } from '../src/results.ts';

function busWorkload(p99Ms: number): WorkloadResult {
  return {
    id: 'redis.bus',
    title: 'Redis Streams',
    system: 'redis',
    operation: 'message',
    unit: 'messages',
    unitsPerOperation: 1,
    operationsPerRound: 36_000,
    rounds: 5,
    concurrency: 1,
    variants: [],
    ratios: [
      { name: 'bus/raw', numerator: 'library', denominator: 'raw', value: 0.8, target: 0.7, pass: true },
    ],
    latencyTargets: [{ variant: 'library.paced', p99Ms, targetMs: 5, pass: p99Ms <= 5 }],
    notes: [],
    durationMs: 1,
  };
}

describe('bench results', () => {
  it('gate a latency bound like a ratio', () => {
    expect(summarize([busWorkload(1.6)])).toEqual({ ratios: 2, passed: 2, failed: [], errors: [] });
    expect(summarize([busWorkload(5.39)])).toEqual({
      ratios: 2,
      passed: 1,
      failed: ['redis.bus: library.paced p99 5.39 ms > 5 ms'],
      errors: [],
    });
  });

  it('list a latency bound in the markdown report', () => {
    const workloads = [busWorkload(5.39)];
    const results = { mode: 'quick', workloads, summary: summarize(workloads) } as unknown as BenchResults;
    const markdown = toMarkdown({
      ...results,
      startedAt: '2026-12-02T12:00:00Z',
      gitCommit: 'abc',
      gitDirty: false,
      durationMs: 1,
      machine: { cpus: 2, cpuModel: 'x', memoryGiB: 24, os: 'linux', node: '24', v8: '13', loadAverage: [1] },
    } as BenchResults);
    expect(markdown).toContain('| redis.bus | library.paced p99 | 5.39 ms | ≤ 5 ms | **miss** |');
    expect(markdown).toContain('1 of 2 targets are met.');
  });
});
