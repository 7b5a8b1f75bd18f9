import { describe, expect, it } from '@jest/globals';
import { closedLoop, measureRounds, type Variant } from '../src/measure.ts';
import { LatencyRecorder, median, percentile, ratio, summarizeLatencies, throughput } from '../src/stats.ts';

describe('percentile', () => {
  it('takes the nearest rank, so the result is always an observed value', () => {
    const samples = Array.from({ length: 100 }, (_, index) => index + 1); // 1..100
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([0.25, 0.5, 0.75, 1], 50)).toBe(0.5);
  });

  it('does not depend on the order of the samples', () => {
    const shuffled = [9, 2, 7, 4, 10, 1, 8, 3, 6, 5];
    expect(percentile(shuffled, 50)).toBe(5);
    expect(percentile(shuffled, 90)).toBe(9);
    expect(percentile(shuffled, 99)).toBe(10);
  });

  it('gives the only sample for a single sample, NaN for none', () => {
    expect(percentile([42], 1)).toBe(42);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 50)).toBeNaN();
  });

  it('refuses percentiles outside (0, 100]', () => {
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('ratio', () => {
  it('is library over baseline: above 1 means faster than the baseline', () => {
    expect(ratio(70, 100)).toBeCloseTo(0.7);
    expect(ratio(150, 100)).toBeCloseTo(1.5);
    expect(ratio(0, 100)).toBe(0);
  });

  it('is NaN when the baseline is zero or either side is not a finite number', () => {
    expect(ratio(10, 0)).toBeNaN();
    expect(ratio(Number.NaN, 10)).toBeNaN();
    expect(ratio(10, Number.POSITIVE_INFINITY)).toBeNaN();
    expect(ratio(-1, 10)).toBeNaN();
  });
});

describe('throughput', () => {
  it('is operations per second', () => {
    expect(throughput(500, 250)).toBe(2000);
    expect(throughput(1, 0)).toBeNaN();
  });
});

describe('summarizeLatencies and LatencyRecorder', () => {
  it('summarizes p50, p99, max and mean', () => {
    const summary = summarizeLatencies(Array.from({ length: 1000 }, (_, index) => index + 1));
    expect(summary).toEqual({ count: 1000, p50: 500, p99: 990, max: 1000, mean: 500.5 });
  });

  it('grows past its initial capacity and merges other recorders', () => {
    const first = new LatencyRecorder(16);
    for (let index = 1; index <= 40; index += 1) first.record(index);
    const second = new LatencyRecorder(16);
    second.record(100);
    first.merge(second);
    expect(first.count).toBe(41);
    expect(first.summary().max).toBe(100);
    expect(first.summary().p50).toBe(21);
  });
});

describe('closedLoop', () => {
  it('runs every operation exactly once across its workers', async () => {
    const seen: number[] = [];
    const result = await closedLoop(
      async (index) => {
        seen.push(index);
        await new Promise((resolve) => setImmediate(resolve));
      },
      { operations: 50, concurrency: 4, yieldEvery: 8 },
    );
    expect(result.operations).toBe(50);
    expect(result.latencies.count).toBe(50);
    expect([...seen].sort((left, right) => left - right)).toEqual(
      Array.from({ length: 50 }, (_, index) => index),
    );
  });
});

describe('measureRounds', () => {
  it('pairs the rounds, so the ratio of a variant twice as slow is about 0.5', async () => {
    const busyFor = (milliseconds: number) => () => {
      const until = performance.now() + milliseconds;
      while (performance.now() < until) {
        // spin: a deterministic cost per operation
      }
    };
    const order: string[] = [];
    const variant = (name: string, milliseconds: number): Variant => ({
      name,
      prepare: (run) => {
        if (run.round !== 'warmup') order.push(name);
        return busyFor(milliseconds);
      },
    });
    const measured = await measureRounds([variant('fast', 0.2), variant('slow', 0.4)], {
      rounds: 3,
      operations: 40,
      warmupOperations: 5,
      concurrency: 1,
    });
    expect(measured.pairedRatio('slow', 'fast')).toBeGreaterThan(0.3);
    expect(measured.pairedRatio('slow', 'fast')).toBeLessThan(0.7);
    expect(measured.variants.get('fast')!.latency.count).toBe(120);
    // Each round starts with a different variant.
    expect(order).toEqual(['fast', 'slow', 'slow', 'fast', 'fast', 'slow']);
  });
});
