import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SchemaVersionError } from '@eventsource/core';
import { PostgreSQLCheckpointRepository, PostgreSQLEventStore } from '../src/index.ts';
import { createPool, dropSchema, randomSchema } from './support/database.ts';
import { registry } from './support/fixtures.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

describe('migrations', () => {
  const pool = createPool({ max: 10 });
  const schemas: string[] = [];

  afterAll(async () => {
    for (const schema of schemas) await dropSchema(pool, schema);
    await pool.end();
  });

  it('applies each version exactly once under an advisory lock, even when many processes start together', async () => {
    const schema = randomSchema();
    schemas.push(schema);
    const stores = Array.from(
      { length: 6 },
      () => new PostgreSQLEventStore({ pool, schema, eventRegistry: registry }),
    );
    const applied = await Promise.all(stores.map((store) => store.migrate()));
    expect(applied.flat()).toEqual([1, 2]);
    const recorded = await pool.query(`SELECT scope, version, name FROM "${schema}".eventsource_migrations`);
    expect(recorded.rows).toEqual([
      { scope: 'store:events', version: 1, name: 'create_event_store' },
      { scope: 'store:events', version: 2, name: 'index_outbox_pending_by_aggregate' },
    ]);
    expect(await stores[0]!.migrate()).toEqual([]);
    expect(await new PostgreSQLCheckpointRepository({ pool, schema }).migrate()).toEqual([]);
    const tables = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
      [schema],
    );
    expect(tables.rows.map((row) => row.table_name).sort()).toEqual([
      'dead_letter_queue',
      'event_outbox',
      'events',
      'eventsource_migrations',
      'projection_checkpoints',
    ]);
    for (const store of stores) await store.close();
  });

  it('keeps table sets with different names apart in one schema', async () => {
    const schema = randomSchema();
    schemas.push(schema);
    const first = await PostgreSQLEventStore.create({
      pool,
      schema,
      tablePrefix: 'billing_',
      eventRegistry: registry,
    });
    const second = await PostgreSQLEventStore.create({
      pool,
      schema,
      tableNames: {
        events: 'shipping_events',
        outbox: 'shipping_outbox',
        checkpoints: 'shipping_checkpoints',
        deadLetters: 'shipping_dlq',
      },
      eventRegistry: registry,
    });
    const scopes = await pool.query<{ scope: string }>(
      `SELECT scope FROM "${schema}".billing_eventsource_migrations WHERE version = 1
       UNION ALL SELECT scope FROM "${schema}".eventsource_migrations WHERE version = 1 ORDER BY scope`,
    );
    expect(scopes.rows.map((row) => row.scope)).toEqual(['store:billing_events', 'store:shipping_events']);
    await first.close();
    await second.close();
  });

  it('upgrades a schema of the first release with the outbox index only', async () => {
    const schema = randomSchema();
    schemas.push(schema);
    const store = await PostgreSQLEventStore.create({ pool, schema, eventRegistry: registry });
    // What the first release left behind: version 1 only.
    await pool.query(`DROP INDEX "${schema}".event_outbox_pending_aggregate_idx`);
    await pool.query(`DELETE FROM "${schema}".eventsource_migrations WHERE version = 2`);
    expect(await store.migrate()).toEqual([2]);
    const indexes = await pool.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname = $2`,
      [schema, 'event_outbox_pending_aggregate_idx'],
    );
    expect(indexes.rowCount).toBe(1);
    await store.close();
  });

  it('reports a store that was never migrated as UnavailableError', async () => {
    const store = new PostgreSQLEventStore({ pool, schema: randomSchema(), eventRegistry: registry });
    await expect(store.getGlobalPosition()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await store.close();
  });
});

describe('a schema migrated by a newer release', () => {
  const pool = createPool({ max: 2 });
  const schema = randomSchema();

  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('is refused with SchemaVersionError instead of being written by older code', async () => {
    const store = await PostgreSQLEventStore.create({ pool, schema, eventRegistry: registry });
    await pool.query(
      `INSERT INTO "${schema}".eventsource_migrations (scope, version, name) VALUES ('store:events', 99, 'from_the_future')`,
    );
    await expect(store.migrate()).rejects.toBeInstanceOf(SchemaVersionError);
    await store.close();
  });
});
