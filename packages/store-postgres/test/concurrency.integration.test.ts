import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AggregateRepository, ConcurrencyError } from '@eventsource/core';
import { PostgreSQLEventStore } from '../src/index.ts';
import { createPool, dropSchema, randomSchema } from './support/database.ts';
import { Account, deposits, registry } from './support/fixtures.ts';
import { HeldAppends } from './support/held-append.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

describe('optimistic concurrency under contention', () => {
  const pool = createPool({ max: 20 });
  const schema = randomSchema();
  let store: PostgreSQLEventStore;

  beforeAll(async () => {
    store = await PostgreSQLEventStore.create({ pool, schema, eventRegistry: registry });
  });

  afterAll(async () => {
    await store.close();
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('lets exactly one of 20 concurrent saves win each version; the others get ConcurrencyError with the versions', async () => {
    const aggregateId = `account-${schema}`;
    for (let version = 0; version < 5; version += 1) {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, () =>
          store.appendEvents(aggregateId, 'Account', deposits(aggregateId, 1, version + 1), version),
        ),
      );
      const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const losers = outcomes.flatMap((outcome) =>
        outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
      );
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(19);
      for (const error of losers) {
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({
          aggregateId,
          aggregateType: 'Account',
          expectedVersion: version,
          actualVersion: version + 1,
        });
      }
      expect(await store.getStreamVersion(aggregateId, 'Account')).toBe(version + 1);
    }
    const stream = await store.getEvents(aggregateId, 'Account');
    expect(stream.events.map((event) => event.aggregateVersion)).toEqual([1, 2, 3, 4, 5]);
  });

  it('translates the unique (aggregate_id, aggregate_type, version) violation itself into ConcurrencyError', async () => {
    // Two appends that both find the stream empty and pass the check: the constraint decides.
    const held = new HeldAppends(schema);
    await held.install();
    try {
      const aggregateId = `held-race-${schema}`;
      const first = store.appendEvents(aggregateId, 'Account', deposits(aggregateId, 1), 'no_stream');
      await held.waitForHeld(1);
      const racing = store
        .appendEvents(aggregateId, 'Account', deposits(aggregateId, 1), 'no_stream')
        .catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await held.release();
      expect(await first).toMatchObject({ written: 1, nextVersion: 1 });
      const error = await racing;
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ expectedVersion: 'no_stream', actualVersion: 1 });
      expect((error as Error).cause).toMatchObject({ code: '23505', constraint: 'events_stream_key' });
    } finally {
      await held.dispose();
    }
  });

  it("succeeds with the repository's retry-on-conflict when many commands race", async () => {
    const repository = new AggregateRepository({ eventStore: store, aggregateFactory: Account });
    const aggregateId = `retried-${schema}`;
    const opening = repository.createNew(aggregateId);
    opening.deposit(100);
    await repository.save(opening);
    const updates = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        repository.update(aggregateId, (account) => account.deposit(index + 1), { maxRetries: 50 }),
      ),
    );
    expect(updates).toHaveLength(12);
    const account = await repository.load(aggregateId);
    expect(account.version).toBe(13);
    expect(account.state).toEqual({ balance: 100 + 78, deposits: 13 });
  }, 30_000);
});
