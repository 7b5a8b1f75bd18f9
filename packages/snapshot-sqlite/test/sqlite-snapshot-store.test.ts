import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import {
  ClosedError,
  InvalidArgumentError,
  SchemaVersionError,
  SerializationError,
  type Snapshot,
} from '@eventsource/core';
import { captureTelemetry, type TelemetryCapture } from '@eventsource/testing';
import { SNAPSHOT_SCHEMA_COMPONENT, SNAPSHOT_SCHEMA_VERSION, SQLiteSnapshotStore } from '../src/index.ts';
import { tempDirectory } from './temp-database.ts';

function snapshot(aggregateId: string, version: number, state: unknown = { count: version }): Snapshot {
  return { aggregateId, aggregateType: 'Counter', version, state, schemaVersion: 1, createdAt: new Date() };
}

describe('SQLiteSnapshotStore', () => {
  let telemetry: TelemetryCapture;
  let directory: ReturnType<typeof tempDirectory>;
  beforeAll(() => {
    telemetry = captureTelemetry();
  });
  afterAll(async () => telemetry.shutdown());
  beforeEach(() => {
    directory = tempDirectory();
    telemetry.reset();
  });
  afterEach(() => directory.remove());

  it('migrates its own schema beside another component sharing the file, and keeps snapshots across reopening', async () => {
    const file = directory.path();
    const database = new Database(file);
    database.exec(
      `CREATE TABLE eventsource_schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL, migrated_at TEXT NOT NULL);
       INSERT INTO eventsource_schema_versions VALUES ('@eventsource/store-sqlite', 1, '2026-01-01T00:00:00.000Z');`,
    );
    const first = new SQLiteSnapshotStore({ database });
    await first.saveSnapshot(snapshot('counter-1', 4));
    await first.close();
    expect(database.open).toBe(true);
    const versions = database
      .prepare('SELECT component, version FROM eventsource_schema_versions ORDER BY component')
      .all();
    expect(versions).toEqual([
      { component: '@eventsource/snapshot-sqlite', version: SNAPSHOT_SCHEMA_VERSION },
      { component: '@eventsource/store-sqlite', version: 1 },
    ]);
    database.close();
    await using second = new SQLiteSnapshotStore({ database: file });
    expect((await second.getSnapshot('counter-1', 'Counter'))?.version).toBe(4);
    expect(second.database.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('refuses a database from a newer snapshot schema, and a file that is not a database', () => {
    const file = directory.path();
    void new SQLiteSnapshotStore({ database: file }).close();
    const database = new Database(file);
    database
      .prepare('UPDATE eventsource_schema_versions SET version = ? WHERE component = ?')
      .run(SNAPSHOT_SCHEMA_VERSION + 1, SNAPSHOT_SCHEMA_COMPONENT);
    database.close();
    expect(() => new SQLiteSnapshotStore({ database: file })).toThrow(SchemaVersionError);

    const garbage = directory.path('garbage.db');
    writeFileSync(garbage, Buffer.alloc(4096, 7));
    expect(() => new SQLiteSnapshotStore({ database: garbage })).toThrow(InvalidArgumentError);
  });

  it('refuses bad snapshots with typed errors, writing nothing', async () => {
    await using store = new SQLiteSnapshotStore({ database: ':memory:' });
    await expect(store.saveSnapshot({ ...snapshot('counter-2', 1), version: -1 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(store.saveSnapshot({ ...snapshot('counter-2', 1), aggregateId: '' })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(store.saveSnapshot(snapshot('counter-2', 1, circular))).rejects.toBeInstanceOf(
      SerializationError,
    );
    expect(await store.snapshotExists('counter-2', 'Counter')).toBe(false);
  });

  it('keeps the newer snapshot when two connections save out of order', async () => {
    const file = directory.path();
    await using first = new SQLiteSnapshotStore({ database: file });
    await using second = new SQLiteSnapshotStore({ database: file });
    await first.saveSnapshot(snapshot('counter-3', 10));
    await second.saveSnapshot(snapshot('counter-3', 8));
    expect((await first.getSnapshot('counter-3', 'Counter'))?.state).toEqual({ count: 10 });
    expect(await second.deleteSnapshotsByType('Counter')).toBe(1);
  });

  it('emits CLIENT spans naming the database and table', async () => {
    await using store = new SQLiteSnapshotStore({ database: directory.path('state.db') });
    await store.saveSnapshot(snapshot('counter-4', 2));
    await store.getSnapshot('counter-4', 'Counter');
    const save = telemetry.span('eventsource.snapshot.save');
    expect(save.kind).toBe(2);
    expect(save.instrumentationScope.name).toBe('@eventsource/snapshot-sqlite');
    expect(save.attributes).toMatchObject({
      'db.system': 'sqlite',
      'db.system.name': 'sqlite',
      'db.namespace': 'state.db',
      'db.name': 'state.db',
      'db.collection.name': 'snapshots',
      'db.operation.name': 'save',
      'eventsource.aggregate.id': 'counter-4',
      'eventsource.aggregate.type': 'Counter',
      'eventsource.version': 2,
    });
    expect(telemetry.span('eventsource.snapshot.get').attributes['eventsource.version']).toBe(2);
  });

  it('closes only a database it opened, and refuses use after close', async () => {
    const borrowed = new Database(':memory:');
    const store = new SQLiteSnapshotStore({ database: borrowed });
    await store.close();
    expect(borrowed.open).toBe(true);
    borrowed.close();
    const owned = new SQLiteSnapshotStore({ database: ':memory:' });
    await owned.close();
    expect(owned.database.open).toBe(false);
    await expect(owned.getSnapshot('counter-5', 'Counter')).rejects.toBeInstanceOf(ClosedError);
    await expect(owned.deleteSnapshotsByType('Counter')).rejects.toBeInstanceOf(ClosedError);
  });
});
