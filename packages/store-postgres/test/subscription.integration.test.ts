import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SubscriptionRunner, type DomainEvent } from '@eventsource/core';
import { PostgreSQLCheckpointRepository, PostgreSQLEventStore } from '../src/index.ts';
import { createPool, dropSchema, randomSchema } from './support/database.ts';
import { deposits, registry } from './support/fixtures.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

describe('a subscription on the PostgreSQL store', () => {
  const pool = createPool();
  const writerPool = createPool({ max: 2 });
  const schema = randomSchema();
  let store: PostgreSQLEventStore;
  let writer: PostgreSQLEventStore;
  let checkpoints: PostgreSQLCheckpointRepository;

  beforeAll(async () => {
    store = await PostgreSQLEventStore.create({ pool, schema, eventRegistry: registry });
    writer = new PostgreSQLEventStore({ pool: writerPool, schema, eventRegistry: registry });
    checkpoints = new PostgreSQLCheckpointRepository({ pool, schema });
  });

  afterAll(async () => {
    await writer.close();
    await store.close();
    await checkpoints.close();
    await dropSchema(pool, schema);
    await pool.end();
    await writerPool.end();
  });

  it('catches up, follows appends from another process, checkpoints, and resumes where it stopped', async () => {
    for (let stream = 0; stream < 5; stream += 1) {
      await store.appendEvents(`backlog-${stream}`, 'Account', deposits(`backlog-${stream}`, 6), 'no_stream');
    }
    const handled: DomainEvent[] = [];
    const options = {
      name: 'balances',
      eventStore: store,
      checkpointRepository: checkpoints,
      subscriber: (event: DomainEvent) => void handled.push(event),
      batchSize: 7,
      maxPollIntervalMs: 200,
    };
    const runner = new SubscriptionRunner(options);
    await runner.start();
    expect(handled).toHaveLength(30);

    // Appended through another pool (another process, as far as the store can tell).
    const live = await writer.appendEvents('live-1', 'Account', deposits('live-1', 4), 'no_stream');
    await runner.waitForPosition(live.lastPosition);
    await runner.stop();
    expect(handled).toHaveLength(34);
    expect((await checkpoints.getCheckpoint('balances'))?.position).toBe(live.lastPosition);

    const more = await writer.appendEvents('live-1', 'Account', deposits('live-1', 2, 5), 4);
    const resumed = new SubscriptionRunner(options);
    await resumed.start();
    await resumed.waitForPosition(more.lastPosition);
    await resumed.stop();
    const ids = handled.map((event) => event.eventId);
    expect(ids).toHaveLength(36);
    expect(new Set(ids).size).toBe(36);
  }, 30_000);
});
