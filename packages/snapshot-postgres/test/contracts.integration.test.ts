import { afterAll, beforeAll } from '@jest/globals';
import { snapshotStoreContract } from '@eventsource/testing';
import { PostgreSQLSnapshotStore } from '../src/index.ts';
import { createPool, dropSchema, randomSchema } from './support/database.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

const pool = createPool();
const schema = randomSchema();

afterAll(async () => {
  await dropSchema(pool, schema);
  await pool.end();
});

snapshotStoreContract('PostgreSQLSnapshotStore', async () =>
  PostgreSQLSnapshotStore.create({ pool, schema }),
);

snapshotStoreContract('PostgreSQLSnapshotStore (prefixed table)', async () =>
  PostgreSQLSnapshotStore.create({ pool, schema, tablePrefix: 'app_' }),
);
