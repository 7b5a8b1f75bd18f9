import { afterAll, beforeAll, expect, it } from '@jest/globals';
import pg from 'pg';
import { PostgreSQLSnapshotStore } from '../src/index.ts';
import { readmeExample } from '../../../tooling/config/readme-example.ts';
import { dropSchema, postgresUrl, randomSchema } from './support/database.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

it('runs the README usage example', async () => {
  const schema = randomSchema();
  const printed: unknown[] = [];
  const console = { log: (value: unknown) => void printed.push(value) };

  // README example, from here:
  const pool = new pg.Pool({ connectionString: postgresUrl });
  const snapshots = await PostgreSQLSnapshotStore.create({ pool, schema });
  const state = { balance: 110n, openedAt: new Date('2026-01-01T00:00:00Z') };
  await snapshots.saveSnapshot({
    aggregateId: 'account-1',
    aggregateType: 'Account',
    version: 12,
    state,
    schemaVersion: 1,
    createdAt: new Date(),
  });
  await snapshots.saveSnapshot({
    aggregateId: 'account-1',
    aggregateType: 'Account',
    version: 9,
    state: {},
    schemaVersion: 1,
    createdAt: new Date(),
  });
  const snapshot = await snapshots.getSnapshot('account-1', 'Account'); // version 12: an older save never wins
  console.log(snapshot?.version);
  await snapshots.close(); // the pool is yours: the store never ends it
  // README example, to here.

  expect(printed).toEqual([12]);
  expect(snapshot).toMatchObject({ version: 12, state });
  await dropSchema(pool, schema);
  await pool.end();
});

it('keeps the README example identical to the code above', () => {
  const { readme, test } = readmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url), {
    'process.env.DATABASE_URL': 'postgresUrl',
    '{ pool }': '{ pool, schema }',
    'await pool.end();': '',
  });
  expect(readme).toBe(test);
});
