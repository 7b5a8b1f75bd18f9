import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@eventsource/core';
import pg from 'pg';
import {
  PostgreSQLCheckpointRepository,
  PostgreSQLDLQRepository,
  PostgreSQLEventStore,
  PostgreSQLOutboxRepository,
  validateIdentifier,
} from '../src/index.ts';

// A pool that is never connected: construction must refuse bad names before any I/O.
const pool = new pg.Pool({ host: '127.0.0.1', port: 1 });

const INJECTIONS = [
  'public; DROP TABLE users; --',
  'events"; DROP SCHEMA public CASCADE; --',
  "events' OR '1'='1",
  'Events',
  'my-schema',
  'a.b',
  '1events',
  '',
  ' events',
  'events\u0000',
  'évents',
  'x'.repeat(64),
];

describe('identifier validation', () => {
  it.each(INJECTIONS)('refuses %j as a schema or table name', (name) => {
    expect(() => validateIdentifier(name, 'schema name')).toThrow(InvalidArgumentError);
    expect(() => new PostgreSQLEventStore({ pool, schema: name })).toThrow(InvalidArgumentError);
    expect(() => new PostgreSQLEventStore({ pool, tableNames: { events: name } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new PostgreSQLCheckpointRepository({ pool, schema: name })).toThrow(InvalidArgumentError);
    expect(() => new PostgreSQLDLQRepository({ pool, tableNames: { deadLetters: name } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new PostgreSQLOutboxRepository({ pool, tableNames: { outbox: name } })).toThrow(
      InvalidArgumentError,
    );
  });

  // An empty prefix means "no prefix"; every other bad prefix is refused.
  it.each(INJECTIONS.filter((name) => name !== ''))('refuses %j as a table prefix', (name) => {
    expect(() => new PostgreSQLEventStore({ pool, tablePrefix: name })).toThrow(InvalidArgumentError);
  });

  it('refuses non-string names and names too long for the derived index names', () => {
    expect(() => new PostgreSQLEventStore({ pool, schema: 42 as unknown as string })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new PostgreSQLEventStore({ pool, tableNames: { events: 'e'.repeat(50) } })).toThrow(
      /too long/,
    );
    expect(() => new PostgreSQLEventStore({ pool, tableNames: { events: 'same', outbox: 'same' } })).toThrow(
      /distinct/,
    );
  });

  it('accepts plain lower-case names and resolves defaults, prefixes and explicit names', () => {
    expect(validateIdentifier('es_test_01', 'schema name')).toBe('es_test_01');
    expect(new PostgreSQLEventStore({ pool }).naming).toEqual({
      schema: 'public',
      tables: {
        events: 'events',
        outbox: 'event_outbox',
        checkpoints: 'projection_checkpoints',
        deadLetters: 'dead_letter_queue',
        migrations: 'eventsource_migrations',
      },
    });
    const store = new PostgreSQLEventStore({
      pool,
      schema: 'billing',
      tablePrefix: 'app_',
      tableNames: { events: 'ledger' },
    });
    expect(store.naming.schema).toBe('billing');
    expect(store.naming.tables).toMatchObject({
      events: 'ledger',
      outbox: 'app_event_outbox',
      checkpoints: 'app_projection_checkpoints',
    });
  });

  it('needs a pool', () => {
    expect(() => new PostgreSQLEventStore({} as never)).toThrow(InvalidArgumentError);
    expect(() => new PostgreSQLOutboxRepository({ pool: undefined as never })).toThrow(InvalidArgumentError);
  });
});
