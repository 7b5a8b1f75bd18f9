import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { defineEvent, EventRegistry } from '@eventsource/core';
import pg from 'pg';
import { PostgreSQLEventStore } from '../src/index.ts';
import { dropSchema, postgresUrl, randomSchema } from './support/database.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

it('runs the README usage example', async () => {
  const schema = randomSchema();
  const printed: unknown[][] = [];
  const console = { log: (...values: unknown[]) => void printed.push(values) };

  // --- README "Usage", with the test database and a throwaway schema ---
  const Deposited = defineEvent<{ amount: number }>('Deposited', { aggregateType: 'Account' });
  const registry = new EventRegistry();
  registry.register(Deposited);

  const pool = new pg.Pool({ connectionString: postgresUrl });
  const store = await PostgreSQLEventStore.create({ pool, schema, eventRegistry: registry });
  const deposit = Deposited.create({ amount: 10 }, { aggregateId: 'account-1' });
  await store.appendEvents('account-1', 'Account', [deposit], 'no_stream');
  const { events, version } = await store.getEvents('account-1', 'Account'); // version === 1
  for await (const stored of store.readAll({ fromPosition: 0 }))
    console.log(stored.globalPosition, stored.event.eventType, events.length);
  await store.close(); // the pool is yours: the store never ends it
  // --- end of the README example ---

  expect(version).toBe(1);
  expect(events[0]!.data).toEqual({ amount: 10 });
  expect(printed).toEqual([[1, 'Deposited', 1]]);
  await dropSchema(pool, schema);
  await pool.end();
});
