import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { defineEvent, EventRegistry } from '@eventsource/core';
import pg from 'pg';
import { PostgreSQLEventStore } from '../src/index.ts';
import { dropSchema, postgresUrl, randomSchema } from './support/database.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';
import { readmeExample } from '../../../tooling/config/readme-example.ts';

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

it('runs the README usage example', async () => {
  const schema = randomSchema();
  const printed: unknown[][] = [];
  const console = { log: (...values: unknown[]) => void printed.push(values) };

  // README example, from here:
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
  // README example, to here.

  expect(version).toBe(1);
  expect(events[0]!.data).toEqual({ amount: 10 });
  expect(printed).toEqual([[1, 'Deposited', 1]]);
  await dropSchema(pool, schema);
  await pool.end();
});

it('keeps the README example identical to the code above', () => {
  const { readme, test } = readmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url), {
    'process.env.DATABASE_URL': 'postgresUrl',
    '{ pool, eventRegistry: registry }': '{ pool, schema, eventRegistry: registry }',
    'await pool.end();': '',
  });
  expect(readme).toBe(test);
});
