import { afterAll, beforeAll } from '@jest/globals';
import {
  checkpointRepositoryContract,
  dlqRepositoryContract,
  eventStoreContract,
  outboxRepositoryContract,
} from '@eventsource/testing';
import {
  PostgreSQLCheckpointRepository,
  PostgreSQLDLQRepository,
  PostgreSQLEventStore,
  PostgreSQLOutboxRepository,
} from '../src/index.ts';
import { createPool, dropSchema, randomSchema } from './support/database.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

// Every contract suite against the real PostgreSQL, in one schema of its own (the outbox suite,
// which counts pending rows, gets a fresh schema per test).
const pool = createPool();
const schema = randomSchema();

afterAll(async () => {
  await dropSchema(pool, schema);
  await pool.end();
});

eventStoreContract('PostgreSQLEventStore', async ({ registry }) =>
  PostgreSQLEventStore.create({ pool, schema, eventRegistry: registry }),
);

eventStoreContract(
  'PostgreSQLEventStore (outbox on, notifications off, prefixed tables)',
  async ({ registry }) =>
    PostgreSQLEventStore.create({
      pool,
      schema,
      tablePrefix: 'plain_',
      eventRegistry: registry,
      outbox: true,
      notifications: false,
    }),
  { capabilities: { appendNotifications: false } },
);

checkpointRepositoryContract('PostgreSQLCheckpointRepository', async () => {
  const repository = new PostgreSQLCheckpointRepository({ pool, schema });
  await repository.migrate();
  return repository;
});

dlqRepositoryContract('PostgreSQLDLQRepository', async ({ registry }) => {
  const repository = new PostgreSQLDLQRepository({ pool, schema, eventRegistry: registry });
  await repository.migrate();
  return repository;
});

outboxRepositoryContract('PostgreSQLOutboxRepository', async ({ registry }) => {
  const isolated = randomSchema();
  const repository = new PostgreSQLOutboxRepository({ pool, schema: isolated, eventRegistry: registry });
  await repository.migrate();
  return { subject: repository, dispose: () => dropSchema(pool, isolated) };
});
