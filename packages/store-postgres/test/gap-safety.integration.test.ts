import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { StoredEvent } from '@eventsource/core';
import { PostgreSQLEventStore } from '../src/index.ts';
import { createPool, dropSchema, randomSchema } from './support/database.ts';
import { deposits, registry } from './support/fixtures.ts';
import { HeldAppends } from './support/held-append.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Follows `readAll` like a subscription: from its last position, page by page, until stopped and caught up. */
function follow(store: PostgreSQLEventStore) {
  const seen: StoredEvent[] = [];
  let stopping = false;
  const done = (async () => {
    for (;;) {
      const from = seen.at(-1)?.globalPosition ?? 0;
      let read = 0;
      for await (const stored of store.readAll({ fromPosition: from, pageSize: 7 })) {
        seen.push(stored);
        read += 1;
      }
      if (read === 0) {
        if (stopping) return;
        await sleep(2);
      }
    }
  })();
  return {
    seen,
    /**
     * Stops once `expected` events have been read (or after 15 s) and one more read finds nothing.
     * The wait matters on a shared server: a transaction of another session anywhere in the cluster
     * holds the horizon back for a moment, and the reader must wait for it exactly as it must here.
     */
    async stop(expected: number) {
      const deadline = Date.now() + 15_000;
      while (seen.length < expected && Date.now() < deadline) await sleep(5);
      stopping = true;
      await done;
    },
  };
}

describe('gap-safe global order', () => {
  const pool = createPool({ max: 16 });
  const schema = randomSchema();
  let store: PostgreSQLEventStore;
  let held: HeldAppends;

  beforeAll(async () => {
    store = await PostgreSQLEventStore.create({
      pool,
      schema,
      eventRegistry: registry,
      notifications: false,
    });
    held = new HeldAppends(schema);
    await held.install();
  });

  afterAll(async () => {
    await held.dispose();
    await store.close();
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('never lets a reader pass a transaction that is still open: every event exactly once, in order', async () => {
    const writers = 8;
    const appendsPerWriter = 30;
    const written = new Set<string>();
    const reader = follow(store);

    let releaseWriters: () => void = () => undefined;
    const halfway = new Promise<void>((resolve) => (releaseWriters = resolve));
    const writing = Array.from({ length: writers }, async (_, writer) => {
      const aggregateId = `writer-${writer}-${schema}`;
      for (let append = 0; append < appendsPerWriter; append += 1) {
        if (append === appendsPerWriter / 2) await halfway;
        const events = deposits(aggregateId, 2, append * 2 + 1);
        await store.appendEvents(aggregateId, 'Account', events, append * 2);
        for (const event of events) written.add(event.eventId);
      }
    });

    // Mid-stream, one append takes its positions and then holds its transaction open on purpose.
    await sleep(20);
    const heldEvents = deposits(`held-${schema}`, 3);
    const heldAppend = store.appendEvents(`held-${schema}`, 'Account', heldEvents, 'no_stream');
    await held.waitForHeld(1);
    releaseWriters();
    await Promise.all(writing);

    // Everyone else has committed; the held transaction has not.
    await sleep(50);
    const seenWhileHeld = reader.seen.map((stored) => stored.globalPosition);
    const naiveHead = await held.naiveHead();
    expect(await store.getGlobalPosition()).toBeLessThan(naiveHead);

    await held.release();
    const heldResult = await heldAppend;
    for (const event of heldEvents) written.add(event.eventId);
    const heldFirstPosition = heldResult.lastPosition - 2;

    // The race really happened: rows after the held ones were committed (a plain
    // "position > last" reader would have read past the held rows and skipped them for ever) ...
    expect(naiveHead).toBeGreaterThan(heldResult.lastPosition);
    // ... and the reader withheld everything from the held position on until it committed.
    expect(seenWhileHeld.every((position) => position < heldFirstPosition)).toBe(true);

    await reader.stop(written.size);
    const ids = reader.seen.map((stored) => stored.event.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(written);
    const positions = reader.seen.map((stored) => stored.globalPosition);
    expect(positions.every((position, index) => index === 0 || position > positions[index - 1]!)).toBe(true);
    const heldSeen = reader.seen.filter((stored) => stored.event.aggregateId === `held-${schema}`);
    expect(heldSeen.map((stored) => stored.globalPosition)).toEqual([
      heldFirstPosition,
      heldFirstPosition + 1,
      heldFirstPosition + 2,
    ]);
    // Every stream reads back in version order from the global order as well.
    for (let writer = 0; writer < writers; writer += 1) {
      const versions = reader.seen
        .filter((stored) => stored.event.aggregateId === `writer-${writer}-${schema}`)
        .map((stored) => stored.streamPosition);
      expect(versions).toEqual(Array.from({ length: appendsPerWriter * 2 }, (_, index) => index + 1));
    }
  }, 30_000);

  it('hands out positions in transaction-id order even when transactions interleave', async () => {
    // Many small concurrent appends: positions, ordered, must never go backwards in transaction id.
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        store.appendEvents(
          `burst-${index}-${schema}`,
          'Account',
          deposits(`burst-${index}-${schema}`, 2),
          'no_stream',
        ),
      ),
    );
    const rows = await pool.query<{ out_of_order: string }>(
      `SELECT count(*) AS out_of_order FROM (
         SELECT transaction_id < lag(transaction_id) OVER (ORDER BY global_position) AS backwards FROM "${schema}"."events") ordered
       WHERE backwards`,
    );
    expect(Number(rows.rows[0]!.out_of_order)).toBe(0);
  });
});
