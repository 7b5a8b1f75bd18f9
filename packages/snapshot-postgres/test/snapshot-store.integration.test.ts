import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ClosedError } from '@eventsource/core';
import { captureTelemetry, type TelemetryCapture } from '@eventsource/testing';
import { PostgreSQLSnapshotStore } from '../src/index.ts';
import { createPool, dropSchema, postgresUrl, randomSchema } from './support/database.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

describe('PostgreSQLSnapshotStore', () => {
  const pool = createPool();
  const schema = randomSchema();
  let telemetry: TelemetryCapture;
  let store: PostgreSQLSnapshotStore;

  beforeAll(async () => {
    telemetry = captureTelemetry();
    store = await PostgreSQLSnapshotStore.create({ pool, schema });
  });
  beforeEach(() => telemetry.reset());
  afterAll(async () => {
    await store.close();
    await telemetry.shutdown();
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('emits CLIENT spans with the database attributes', async () => {
    await store.saveSnapshot({
      aggregateId: 'a-1',
      aggregateType: 'Account',
      version: 3,
      state: { n: 1 },
      schemaVersion: 1,
      createdAt: new Date(),
    });
    await store.getSnapshot('a-1', 'Account');
    const server = new URL(postgresUrl);
    for (const name of ['eventsource.snapshot.save', 'eventsource.snapshot.get']) {
      const span = telemetry.span(name);
      expect(span.kind).toBe(2);
      expect(span.attributes).toMatchObject({
        'db.system': 'postgresql',
        'db.system.name': 'postgresql',
        'db.namespace': server.pathname.slice(1),
        'db.collection.name': 'snapshots',
        'server.address': server.hostname,
        'server.port': Number(server.port || 5432),
        'eventsource.aggregate.id': 'a-1',
        'eventsource.version': 3,
      });
    }
  });

  it('keeps the newest of concurrent saves', async () => {
    await Promise.all(
      [4, 9, 2, 7, 9, 1].map((version) =>
        store.saveSnapshot({
          aggregateId: 'race',
          aggregateType: 'Account',
          version,
          state: { version },
          schemaVersion: 1,
          createdAt: new Date(),
        }),
      ),
    );
    expect(await store.getSnapshot('race', 'Account')).toMatchObject({ version: 9, state: { version: 9 } });
  });

  it('refuses bad versions and work after close', async () => {
    await expect(
      store.saveSnapshot({
        aggregateId: 'bad',
        aggregateType: 'Account',
        version: -1,
        state: {},
        schemaVersion: 1,
        createdAt: new Date(),
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    const closed = new PostgreSQLSnapshotStore({ pool, schema });
    await closed.close();
    await expect(closed.getSnapshot('a-1', 'Account')).rejects.toBeInstanceOf(ClosedError);
    expect(pool.ended).toBe(false);
  });

  it('applies its migration once', async () => {
    expect(await store.migrate()).toEqual([]);
    const recorded = await pool.query(`SELECT scope, version FROM "${schema}".eventsource_migrations`);
    expect(recorded.rows).toEqual([{ scope: 'snapshot:snapshots', version: 1 }]);
  });
});
