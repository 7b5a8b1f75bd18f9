import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@eventsource/core';
import pg from 'pg';
import { PostgreSQLSnapshotStore } from '../src/index.ts';

const pool = new pg.Pool({ host: '127.0.0.1', port: 1 });

describe('PostgreSQLSnapshotStore names', () => {
  it.each([
    'public; DROP TABLE x; --',
    'snap"shots',
    "a' OR 1=1",
    'Snapshots',
    'a.b',
    '9lives',
    '',
    'x'.repeat(64),
  ])('refuses %j', (name) => {
    expect(() => new PostgreSQLSnapshotStore({ pool, schema: name })).toThrow(InvalidArgumentError);
    expect(() => new PostgreSQLSnapshotStore({ pool, tableNames: { snapshots: name } })).toThrow(
      InvalidArgumentError,
    );
  });

  it('resolves defaults and prefixes', () => {
    expect(new PostgreSQLSnapshotStore({ pool }).naming).toEqual({
      schema: 'public',
      tables: { snapshots: 'snapshots', migrations: 'eventsource_migrations' },
    });
    expect(
      new PostgreSQLSnapshotStore({ pool, schema: 'app', tablePrefix: 'orders_' }).naming.tables.snapshots,
    ).toBe('orders_snapshots');
  });

  it('needs a pool', () => {
    expect(() => new PostgreSQLSnapshotStore({} as never)).toThrow(InvalidArgumentError);
  });
});
