import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { z } from 'zod';
import {
  ClosedError,
  createEvent,
  defineEvent,
  EventRegistry,
  EventDecodingError,
  EventTypeNotFoundError,
  EventValidationError,
  InvalidArgumentError,
  SchemaVersionError,
  UnavailableError,
  type StoredEvent,
} from '@eventsource/core';
import {
  SQLiteCheckpointRepository,
  SQLiteEventStore,
  SQLiteOutboxRepository,
  STORE_SCHEMA_COMPONENT,
  STORE_SCHEMA_VERSION,
} from '../src/index.ts';
import { tempDirectory } from './temp-database.ts';

const OrderPlaced = defineEvent('OrderPlaced', {
  aggregateType: 'Order',
  schema: z.object({ orderId: z.string().min(1), total: z.number().nonnegative() }),
});
const OrderShipped = defineEvent<{ carrier: string }>('OrderShipped', { aggregateType: 'Order' });

function registryOf(...definitions: readonly (typeof OrderPlaced | typeof OrderShipped)[]): EventRegistry {
  const registry = new EventRegistry();
  for (const definition of definitions) registry.register(definition);
  return registry;
}

function countRows(file: string, table: string): number {
  const database = new Database(file, { readonly: true });
  try {
    return database.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  } finally {
    database.close();
  }
}

describe('SQLiteEventStore given bad input', () => {
  let directory: ReturnType<typeof tempDirectory>;
  beforeEach(() => {
    directory = tempDirectory();
  });
  afterEach(() => directory.remove());

  it('refuses a file that is not a SQLite database with a typed error, leaving the file as it was', () => {
    const file = directory.path('notes.txt');
    const content = 'These are my notes, not a database. '.repeat(200);
    writeFileSync(file, content);
    let caught: unknown;
    try {
      new SQLiteEventStore({ database: file });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as Error).message).toContain('not a SQLite database');
    expect(((caught as Error).cause as { code?: string }).code).toBe('SQLITE_NOTADB');
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(() => new SQLiteCheckpointRepository({ database: file })).toThrow(InvalidArgumentError);
  });

  it('refuses a database written by a newer schema version, changing nothing', async () => {
    const file = directory.path();
    const registry = registryOf(OrderShipped);
    const store = new SQLiteEventStore({ database: file, eventRegistry: registry });
    await store.appendEvents(
      'order-1',
      'Order',
      [OrderShipped.create({ carrier: 'ups' }, { aggregateId: 'order-1' })],
      'no_stream',
    );
    await store.close();
    const database = new Database(file);
    database
      .prepare('UPDATE eventsource_schema_versions SET version = ? WHERE component = ?')
      .run(STORE_SCHEMA_VERSION + 1, STORE_SCHEMA_COMPONENT);
    database.close();

    expect(() => new SQLiteEventStore({ database: file, eventRegistry: registry })).toThrow(
      SchemaVersionError,
    );
    expect(() => new SQLiteOutboxRepository({ database: file })).toThrow(SchemaVersionError);
    expect(countRows(file, 'events')).toBe(1);
    const check = new Database(file, { readonly: true });
    expect(
      check
        .prepare('SELECT version FROM eventsource_schema_versions WHERE component = ?')
        .pluck()
        .get(STORE_SCHEMA_COMPONENT),
    ).toBe(STORE_SCHEMA_VERSION + 1);
    check.close();
  });

  it('does not close a borrowed database it refuses', () => {
    const database = new Database(directory.path());
    database.exec(
      `CREATE TABLE eventsource_schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL, migrated_at TEXT NOT NULL);
       INSERT INTO eventsource_schema_versions VALUES ('${STORE_SCHEMA_COMPONENT}', 999, '2030-01-01T00:00:00.000Z');`,
    );
    expect(() => new SQLiteEventStore({ database })).toThrow(SchemaVersionError);
    expect(database.open).toBe(true);
    database.close();
  });

  it('fails on reading an event type the registry does not know, with EventDecodingError naming it', async () => {
    const file = directory.path();
    const writer = new SQLiteEventStore({ database: file, eventRegistry: registryOf(OrderShipped) });
    await writer.appendEvents(
      'order-2',
      'Order',
      [OrderShipped.create({ carrier: 'dhl' }, { aggregateId: 'order-2' })],
      'no_stream',
    );
    await writer.close();

    await using reader = new SQLiteEventStore({ database: file, eventRegistry: registryOf(OrderPlaced) });
    const fromStream = await reader.getEvents('order-2', 'Order').catch((error: unknown) => error);
    expect(fromStream).toBeInstanceOf(EventDecodingError);
    expect((fromStream as Error).cause).toBeInstanceOf(EventTypeNotFoundError);
    const readAll = async () => {
      const seen: StoredEvent[] = [];
      for await (const stored of reader.readAll()) seen.push(stored);
      return seen;
    };
    await expect(readAll()).rejects.toMatchObject({ eventType: 'OrderShipped', globalPosition: 1 });
    await expect(reader.getEventsByType('Order')).rejects.toBeInstanceOf(EventDecodingError);
  });

  it('refuses to append an event type the registry does not know, writing nothing', async () => {
    const file = directory.path();
    await using store = new SQLiteEventStore({
      database: file,
      eventRegistry: registryOf(OrderPlaced),
      outbox: true,
    });
    const shipped = OrderShipped.create({ carrier: 'dhl' }, { aggregateId: 'order-3' });
    await expect(store.appendEvents('order-3', 'Order', [shipped], 'any')).rejects.toBeInstanceOf(
      EventTypeNotFoundError,
    );
    expect(countRows(file, 'events')).toBe(0);
    expect(countRows(file, 'event_outbox')).toBe(0);
  });

  it('refuses a payload that fails its schema, writing none of the batch', async () => {
    const file = directory.path();
    await using store = new SQLiteEventStore({
      database: file,
      eventRegistry: registryOf(OrderPlaced),
      outbox: true,
    });
    const valid = OrderPlaced.create({ orderId: 'order-4', total: 10 }, { aggregateId: 'order-4' });
    // createEvent skips the definition's validation, as a hand-built or deserialized event would.
    const invalid = createEvent({
      eventType: 'OrderPlaced',
      aggregateId: 'order-4',
      aggregateType: 'Order',
      aggregateVersion: 2,
      data: { orderId: '', total: -5 },
    });
    const error = await store
      .appendEvents('order-4', 'Order', [valid, invalid], 'no_stream')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EventValidationError);
    expect((error as EventValidationError).issues.map((issue) => issue.path?.join('.'))).toEqual([
      'orderId',
      'total',
    ]);
    expect(countRows(file, 'events')).toBe(0);
    expect(countRows(file, 'event_outbox')).toBe(0);
    expect(await store.getStreamVersion('order-4', 'Order')).toBe(0);
  });

  it('reports a write lock held past the busy timeout as UnavailableError, writing nothing', async () => {
    const file = directory.path();
    await using store = new SQLiteEventStore({
      database: file,
      eventRegistry: registryOf(OrderShipped),
      busyTimeoutMs: 50,
    });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      const event = OrderShipped.create({ carrier: 'ups' }, { aggregateId: 'order-5' });
      const error = await store
        .appendEvents('order-5', 'Order', [event], 'any')
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnavailableError);
      expect(((error as Error).cause as { code?: string }).code).toBe('SQLITE_BUSY');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await store.getStreamVersion('order-5', 'Order')).toBe(0);
  });

  it('reports a database that cannot be opened as UnavailableError', () => {
    expect(() => new SQLiteEventStore({ database: directory.path('missing/events.db') })).toThrow(
      UnavailableError,
    );
  });

  it('refuses options that name no database, and use after close', async () => {
    expect(() => new SQLiteEventStore({ database: '' })).toThrow(InvalidArgumentError);
    expect(() => new SQLiteEventStore({ database: 42 as unknown as string })).toThrow(InvalidArgumentError);
    expect(() => new SQLiteEventStore({ database: ':memory:', busyTimeoutMs: -1 })).toThrow(
      InvalidArgumentError,
    );
    const closedDatabase = new Database(':memory:');
    closedDatabase.close();
    expect(() => new SQLiteEventStore({ database: closedDatabase })).toThrow(InvalidArgumentError);
    const store = new SQLiteEventStore({ database: ':memory:' });
    await store.close();
    await expect(store.getEvents('order-6', 'Order')).rejects.toBeInstanceOf(ClosedError);
    await expect(store.appendEvents('order-6', 'Order', [], 'any')).rejects.toBeInstanceOf(ClosedError);
    await expect(store.eventExists('x')).rejects.toBeInstanceOf(ClosedError);
  });

  it('refuses a page size that would never advance', async () => {
    await using store = new SQLiteEventStore({ database: ':memory:' });
    const iterate = async () => {
      for await (const _stored of store.readAll({ pageSize: 0 })) break;
    };
    await expect(iterate()).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
