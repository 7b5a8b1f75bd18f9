import { describe, expect, it } from '@jest/globals';
import type { Admin } from 'kafkajs';
import { ConsumerLagTracker } from '../src/consumer-lag.ts';

function fakeAdmin(
  high: Record<number, number>,
  committed: Record<number, number>,
  calls: { count: number },
): Admin {
  return {
    fetchTopicOffsets: async () => {
      calls.count += 1;
      return Object.entries(high).map(([partition, offset]) => ({
        partition: Number(partition),
        offset: String(offset),
        high: String(offset),
        low: '0',
      }));
    },
    fetchOffsets: async () => [
      {
        topic: 't',
        partitions: Object.entries(committed).map(([partition, offset]) => ({
          partition: Number(partition),
          offset: String(offset),
          metadata: null,
        })),
      },
    ],
  } as unknown as Admin;
}

describe('ConsumerLagTracker', () => {
  it('reports nothing before partitions are assigned', async () => {
    const calls = { count: 0 };
    const tracker = new ConsumerLagTracker({
      topic: 't',
      groupId: 'g',
      fromBeginning: true,
      maxAgeMs: 0,
      admin: async () => fakeAdmin({ 0: 5 }, {}, calls),
    });
    expect(await tracker.readings()).toEqual([]);
    expect(calls.count).toBe(0);
  });

  it('measures from the committed offset, then from what this member processed', async () => {
    const calls = { count: 0 };
    const high = { 0: 10, 1: 4, 2: 7 };
    const tracker = new ConsumerLagTracker({
      topic: 't',
      groupId: 'g',
      fromBeginning: true,
      maxAgeMs: 0,
      admin: async () => fakeAdmin(high, { 0: 6, 1: -1 }, calls),
    });
    tracker.assign([1, 0]);
    expect(await tracker.readings()).toEqual([
      { partition: 0, lag: 4 },
      { partition: 1, lag: 4 },
    ]);
    tracker.processed(0, '9');
    tracker.processed(1, '3');
    expect(await tracker.readings()).toEqual([
      { partition: 0, lag: 0 },
      { partition: 1, lag: 0 },
    ]);
  });

  it('starts at the end for a new group reading from the latest offset', async () => {
    const tracker = new ConsumerLagTracker({
      topic: 't',
      groupId: 'g',
      fromBeginning: false,
      maxAgeMs: 0,
      admin: async () => fakeAdmin({ 0: 10 }, {}, { count: 0 }),
    });
    tracker.assign([0]);
    expect(await tracker.readings()).toEqual([{ partition: 0, lag: 0 }]);
  });

  it('caches readings for maxAgeMs and keeps the last reading when the broker fails', async () => {
    const calls = { count: 0 };
    let fail = false;
    const admin = fakeAdmin({ 0: 3 }, {}, calls);
    const tracker = new ConsumerLagTracker({
      topic: 't',
      groupId: 'g',
      fromBeginning: true,
      maxAgeMs: 60_000,
      admin: async () =>
        fail
          ? ({
              fetchTopicOffsets: async () => Promise.reject(new Error('down')),
              fetchOffsets: async () => [],
            } as unknown as Admin)
          : admin,
    });
    tracker.assign([0]);
    expect(await tracker.readings()).toEqual([{ partition: 0, lag: 3 }]);
    expect(await tracker.readings()).toEqual([{ partition: 0, lag: 3 }]);
    expect(calls.count).toBe(1);
    fail = true;
    tracker.assign([0]);
    expect(await tracker.readings()).toEqual([{ partition: 0, lag: 3 }]);
  });

  it('reads 0 for partitions a rebalance took away, so no stale lag lingers', async () => {
    const tracker = new ConsumerLagTracker({
      topic: 't',
      groupId: 'g',
      fromBeginning: true,
      maxAgeMs: 0,
      admin: async () => fakeAdmin({ 0: 3, 1: 3, 2: 3 }, {}, { count: 0 }),
    });
    tracker.assign([0, 1]);
    expect(await tracker.readings()).toEqual([
      { partition: 0, lag: 3 },
      { partition: 1, lag: 3 },
    ]);
    tracker.processed(1, '2');
    tracker.assign([0]);
    expect(await tracker.readings()).toEqual([
      { partition: 0, lag: 3 },
      { partition: 1, lag: 0 },
    ]);
    tracker.clear();
    expect(await tracker.readings()).toEqual([
      { partition: 0, lag: 0 },
      { partition: 1, lag: 0 },
    ]);
  });
});
