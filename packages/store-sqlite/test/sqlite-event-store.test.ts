import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import {
  ConcurrencyError,
  defineEvent,
  EventRegistry,
  type DomainEvent,
  type StoredEvent,
} from '@eventsource/core';
import { captureTelemetry, sumOf, type TelemetryCapture } from '@eventsource/testing';
import {
  SQLiteCheckpointRepository,
  SQLiteDLQRepository,
  SQLiteEventStore,
  SQLiteOutboxRepository,
  STORE_SCHEMA_COMPONENT,
  STORE_SCHEMA_VERSION,
} from '../src/index.ts';
import { captureLogs } from './capture-logs.ts';
import { tempDirectory } from './temp-database.ts';

const TaskAdded = defineEvent<{ title: string; due: Date }>('TaskAdded', { aggregateType: 'TaskList' });
const TaskDone = defineEvent<{ title: string }>('TaskDone', { aggregateType: 'TaskList' });
const registry = new EventRegistry();
registry.register(TaskAdded);
registry.register(TaskDone);

function tasks(listId: string, count: number, firstVersion = 1, tenantId?: string): DomainEvent[] {
  return Array.from({ length: count }, (_, index) =>
    TaskAdded.create(
      { title: `task ${firstVersion + index}`, due: new Date(Date.UTC(2026, 5, 1 + index)) },
      {
        aggregateId: listId,
        aggregateVersion: firstVersion + index,
        ...(tenantId === undefined ? {} : { tenantId }),
      },
    ),
  );
}

async function collect(iterable: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> {
  const items: StoredEvent[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('SQLiteEventStore', () => {
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

  describe('schema', () => {
    it('creates its tables once, records its version, and keeps events across reopening', async () => {
      const file = directory.path('tasks.db');
      const first = new SQLiteEventStore({ database: file, eventRegistry: registry });
      await first.appendEvents('list-1', 'TaskList', tasks('list-1', 2), 'no_stream');
      await first.close();
      await using second = new SQLiteEventStore({ database: file, eventRegistry: registry });
      expect((await second.getEvents('list-1', 'TaskList')).version).toBe(2);
      const database = second.database;
      const tables = database
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
        .pluck()
        .all();
      expect(tables).toEqual(
        expect.arrayContaining([
          'events',
          'event_outbox',
          'checkpoints',
          'dead_letter_queue',
          'eventsource_schema_versions',
        ]),
      );
      expect(
        database
          .prepare('SELECT version FROM eventsource_schema_versions WHERE component = ?')
          .pluck()
          .get(STORE_SCHEMA_COMPONENT),
      ).toBe(STORE_SCHEMA_VERSION);
    });

    it('runs file databases in WAL mode with the busy timeout and foreign keys on', async () => {
      await using store = new SQLiteEventStore({ database: directory.path(), busyTimeoutMs: 1234 });
      expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.database.pragma('busy_timeout', { simple: true })).toBe(1234);
      expect(store.database.pragma('foreign_keys', { simple: true })).toBe(1);
    });
  });

  describe('ownership', () => {
    it('closes a database it opened, and never one it was handed', async () => {
      const owned = new SQLiteEventStore({ database: ':memory:' });
      const ownedDatabase = owned.database;
      await owned.close();
      expect(ownedDatabase.open).toBe(false);

      const borrowed = new Database(':memory:');
      const store = new SQLiteEventStore({ database: borrowed });
      const checkpoints = new SQLiteCheckpointRepository({ database: borrowed });
      await store.close();
      await store.close();
      await checkpoints.close();
      expect(borrowed.open).toBe(true);
      borrowed.close();
    });

    it('shares one :memory: database between the store and the repositories', async () => {
      await using store = new SQLiteEventStore({
        database: ':memory:',
        eventRegistry: registry,
        outbox: true,
      });
      await using outbox = new SQLiteOutboxRepository({ database: store.database, eventRegistry: registry });
      await using checkpoints = new SQLiteCheckpointRepository({ database: store.database });
      await using dlq = new SQLiteDLQRepository({ database: store.database, eventRegistry: registry });
      await store.appendEvents('list-2', 'TaskList', tasks('list-2', 2), 'no_stream');
      expect(await outbox.countPending()).toBe(2);
      await checkpoints.updateCheckpoint('projection', { position: 2 });
      const [event] = (await store.getEvents('list-2', 'TaskList')).events;
      await dlq.add({ consumerName: 'projection', event: event!, error: new Error('x'), retryCount: 1 });
      expect(store.database.prepare('SELECT COUNT(*) FROM checkpoints').pluck().get()).toBe(1);
      expect(await dlq.count()).toBe(1);
    });
  });

  describe('appending and reading', () => {
    it('assigns versions after the current one, whatever versions the events carry, and reads by type and time', async () => {
      await using store = new SQLiteEventStore({ database: directory.path(), eventRegistry: registry });
      await store.appendEvents('list-3', 'TaskList', tasks('list-3', 2, 7, 'tenant-a'), 'no_stream');
      const stream = await store.getEvents('list-3', 'TaskList');
      expect(stream.events.map((event) => event.aggregateVersion)).toEqual([1, 2]);
      expect((stream.events[0]!.data as { due: Date }).due).toEqual(new Date(Date.UTC(2026, 5, 1)));
      expect(stream.events[0]!.tenantId).toBe('tenant-a');
      expect(await store.getEventsByType('TaskList', { tenantId: 'tenant-b' })).toEqual([]);
      const cutoff = new Date(Date.now() + 60_000);
      expect(await store.getEventsByType('TaskList', { fromTimestamp: cutoff })).toEqual([]);
      expect(
        await store.getEventsByType('TaskList', { tenantId: 'tenant-a', fromTimestamp: new Date(0) }),
      ).toHaveLength(2);
      expect(await store.getEvents('list-3', 'TaskList', { fromVersion: 2 })).toMatchObject({
        events: [],
        version: 2,
      });
    });

    it('reports the global head and filters readAll by event and aggregate type together', async () => {
      await using store = new SQLiteEventStore({ database: ':memory:', eventRegistry: registry });
      expect(await store.getGlobalPosition()).toBe(0);
      await store.appendEvents('list-4', 'TaskList', tasks('list-4', 3), 'no_stream');
      const done = TaskDone.create({ title: 'task 1' }, { aggregateId: 'list-4' });
      const result = await store.appendEvents('list-4', 'TaskList', [done], 3);
      expect(result).toEqual({ nextVersion: 4, lastPosition: 4, written: 1 });
      expect(await store.getGlobalPosition()).toBe(4);
      const filtered = await collect(
        store.readAll({ eventTypes: ['TaskDone'], aggregateTypes: ['TaskList'] }),
      );
      expect(
        filtered.map((stored) => [stored.globalPosition, stored.streamId, stored.streamPosition]),
      ).toEqual([[4, 'TaskList-list-4', 4]]);
      expect(filtered[0]!.storedAt).toBeInstanceOf(Date);
      expect(await collect(store.readAll({ eventTypes: [] }))).toEqual([]);
      expect(
        (await collect(store.readAll({ fromPosition: 1, limit: 2 }))).map((stored) => stored.globalPosition),
      ).toEqual([2, 3]);
    });

    it('wakes append listeners after a commit, and not after a failed append', async () => {
      await using store = new SQLiteEventStore({ database: ':memory:', eventRegistry: registry });
      let wakeUps = 0;
      const unsubscribe = store.onAppend(() => (wakeUps += 1));
      await store.appendEvents('list-5', 'TaskList', tasks('list-5', 1), 'no_stream');
      await expect(
        store.appendEvents('list-5', 'TaskList', tasks('list-5', 1, 2), 'no_stream'),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      await new Promise((resolve) => setImmediate(resolve));
      expect(wakeUps).toBe(1);
      unsubscribe();
      await store.appendEvents('list-5', 'TaskList', tasks('list-5', 1, 2), 1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(wakeUps).toBe(1);
    });
  });

  describe('append listeners', () => {
    let logs: ReturnType<typeof captureLogs>;
    beforeEach(() => {
      logs = captureLogs();
    });
    afterEach(() => logs.restore());

    it('logs a throwing listener as a warning and still wakes the others', async () => {
      await using store = new SQLiteEventStore({ database: ':memory:', eventRegistry: registry });
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => void uncaught.push(error);
      process.on('uncaughtException', onUncaught);
      try {
        let wakeUps = 0;
        store.onAppend(() => {
          throw new RangeError('listener bug');
        });
        store.onAppend(() => (wakeUps += 1));
        await store.appendEvents('list-9', 'TaskList', tasks('list-9', 1), 'no_stream');
        await new Promise((resolve) => setImmediate(resolve));
        expect(wakeUps).toBe(1);
        expect(uncaught).toEqual([]);
        expect(logs.records).toContainEqual({
          level: 'warn',
          fields: expect.objectContaining({ logger: 'eventsource.stores.sqlite', error: 'RangeError' }),
          message: 'append listener threw',
        });
      } finally {
        process.off('uncaughtException', onUncaught);
      }
    });
  });

  describe('transactional outbox', () => {
    it('writes one outbox row per stored event in the append transaction, none for skipped or refused events', async () => {
      const file = directory.path();
      await using store = new SQLiteEventStore({ database: file, eventRegistry: registry, outbox: true });
      await using outbox = new SQLiteOutboxRepository({ database: file, eventRegistry: registry });
      const events = tasks('list-6', 2);
      await store.appendEvents('list-6', 'TaskList', events, 'no_stream');
      await store.appendEvents('list-6', 'TaskList', events, 'no_stream');
      await expect(store.appendEvents('list-6', 'TaskList', tasks('list-6', 1, 3), 0)).rejects.toBeInstanceOf(
        ConcurrencyError,
      );
      const pending = await outbox.getPending({ limit: 10 });
      expect(pending.map((entry) => entry.event.eventId)).toEqual(events.map((event) => event.eventId));
      expect(pending.map((entry) => entry.event.aggregateVersion)).toEqual([1, 2]);
      expect(typeof pending[0]!.event.metadata.traceparent).toBe('string');
    });

    it('writes no outbox rows when the outbox is off', async () => {
      await using store = new SQLiteEventStore({ database: ':memory:', eventRegistry: registry });
      await store.appendEvents('list-7', 'TaskList', tasks('list-7', 2), 'no_stream');
      expect(store.database.prepare('SELECT COUNT(*) FROM event_outbox').pluck().get()).toBe(0);
    });
  });

  describe('telemetry', () => {
    it('emits CLIENT spans for append, get and each page of read_all, naming the database but not its path', async () => {
      await using store = new SQLiteEventStore({
        database: directory.path('orders.sqlite'),
        eventRegistry: registry,
      });
      await store.appendEvents('list-8', 'TaskList', tasks('list-8', 5), 'no_stream');
      await store.getEvents('list-8', 'TaskList', { fromVersion: 1 });
      await collect(store.readAll({ pageSize: 2 }));
      const database = {
        'db.system': 'sqlite',
        'db.system.name': 'sqlite',
        'db.namespace': 'orders.sqlite',
        'db.name': 'orders.sqlite',
        'db.collection.name': 'events',
      };
      const append = telemetry.span('sqlite_event_store.append_events');
      expect(append.kind).toBe(2);
      expect(append.instrumentationScope.name).toBe('@eventsource/store-sqlite');
      expect(append.attributes).toMatchObject({
        ...database,
        'db.operation': 'INSERT',
        'db.operation.name': 'append_events',
        'eventsource.aggregate.id': 'list-8',
        'eventsource.aggregate.type': 'TaskList',
        'eventsource.event.count': 5,
        'eventsource.event.type': 'TaskAdded',
        'eventsource.expected_version': 0,
        'eventsource.expected_version_name': 'no_stream',
        'eventsource.version': 5,
        'eventsource.position': 5,
      });
      const get = telemetry.span('sqlite_event_store.get_events');
      expect(get.kind).toBe(2);
      expect(get.attributes).toMatchObject({
        ...database,
        'eventsource.from_version': 1,
        'eventsource.event.count': 4,
        'eventsource.version': 5,
      });
      const pages = telemetry.spansNamed('sqlite_event_store.read_all');
      expect(
        pages.map((span) => [
          span.attributes['eventsource.from_position'],
          span.attributes['eventsource.event.count'],
        ]),
      ).toEqual([
        [0, 2],
        [2, 2],
        [4, 1],
      ]);
      expect(
        pages.every((span) => span.kind === 2 && span.attributes['db.namespace'] === 'orders.sqlite'),
      ).toBe(true);
      const allAttributes = telemetry.spans().flatMap((span) => Object.values(span.attributes).map(String));
      expect(allAttributes.some((value) => value.includes(directory.path('')))).toBe(false);
    });

    it('names a :memory: database as such, records failures, and counts appended events', async () => {
      await using store = new SQLiteEventStore({ database: ':memory:', eventRegistry: registry });
      const before = sumOf(await telemetry.metric('eventsource.events.appended'), {
        'db.system.name': 'sqlite',
      });
      await store.appendEvents('list-9', 'TaskList', tasks('list-9', 3), 'no_stream');
      await expect(
        store.appendEvents('list-9', 'TaskList', tasks('list-9', 1, 4), 'no_stream'),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      const [ok, failed] = telemetry.spansNamed('sqlite_event_store.append_events');
      expect(ok!.attributes['db.namespace']).toBe(':memory:');
      expect(failed!.status.code).toBe(2);
      expect(failed!.attributes['error.type']).toBe('ConcurrencyError');
      expect(
        sumOf(await telemetry.metric('eventsource.events.appended'), { 'db.system.name': 'sqlite' }) - before,
      ).toBe(3);
    });

    it('emits no spans when tracing is off', async () => {
      await using store = new SQLiteEventStore({
        database: ':memory:',
        eventRegistry: registry,
        enableTracing: false,
      });
      await store.appendEvents('list-10', 'TaskList', tasks('list-10', 1), 'no_stream');
      await store.getEvents('list-10', 'TaskList');
      expect(telemetry.spans()).toEqual([]);
    });

    it('emits CLIENT spans with database attributes from the repositories', async () => {
      await using store = new SQLiteEventStore({ database: ':memory:', eventRegistry: registry });
      await using checkpoints = new SQLiteCheckpointRepository({ database: store.database });
      await using outbox = new SQLiteOutboxRepository({ database: store.database, eventRegistry: registry });
      await using dlq = new SQLiteDLQRepository({ database: store.database, eventRegistry: registry });
      await checkpoints.updateCheckpoint('projection', { position: 3 });
      await outbox.add(tasks('list-11', 1));
      await dlq.add({
        consumerName: 'projection',
        event: tasks('list-11', 1)[0]!,
        error: new Error('x'),
        retryCount: 0,
      });
      const expectations: Record<string, string> = {
        'eventsource.checkpoint.update_checkpoint': 'checkpoints',
        'eventsource.outbox.add': 'event_outbox',
        'eventsource.dlq.add': 'dead_letter_queue',
      };
      for (const [name, table] of Object.entries(expectations)) {
        const span = telemetry.span(name);
        expect(span.kind).toBe(2);
        expect(span.attributes).toMatchObject({
          'db.system': 'sqlite',
          'db.system.name': 'sqlite',
          'db.namespace': ':memory:',
          'db.collection.name': table,
        });
      }
    });
  });
});
