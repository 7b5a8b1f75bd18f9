import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { InvalidArgumentError, NotFoundError, StoreUnavailableError } from '@eventsource/core';
import { isVersionConflict, translateSqliteError } from '../src/errors.ts';
import { SQLiteEventStore } from '../src/index.ts';
import { tempDirectory } from './temp-database.ts';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const insert = `INSERT INTO events (event_id, aggregate_id, aggregate_type, version, event_type, event_version, occurred_at,
  correlation_id, metadata, data, stored_at) VALUES (?, 'a', 'T', 1, 'E', 1, '2026-01-01T00:00:00.000Z', 'c', '{}', '{}', 'now')`;

describe('translateSqliteError', () => {
  it('recognises a second writer of the same stream version by the constraint it violates', async () => {
    await using store = new SQLiteEventStore({ database: ':memory:' });
    store.database.prepare(insert).run('event-1');
    const versionTaken = thrownBy(() => store.database.prepare(insert).run('event-2'));
    expect(isVersionConflict(versionTaken)).toBe(true);
    const idTaken = thrownBy(() =>
      store.database.prepare(insert.replace("'a', 'T', 1", "'b', 'T', 1")).run('event-1'),
    );
    expect(isVersionConflict(idTaken)).toBe(false);
    expect(translateSqliteError(idTaken, 'append')).toBeInstanceOf(InvalidArgumentError);
  });

  it('keeps the driver error as cause, and passes other errors through', () => {
    const database = new Database(':memory:');
    const syntax = thrownBy(() => database.exec('SELEC 1'));
    const translated = translateSqliteError(syntax, 'probe') as StoreUnavailableError;
    expect(translated).toBeInstanceOf(StoreUnavailableError);
    expect(translated.cause).toBe(syntax);
    database.close();
    const plain = new TypeError('not sqlite');
    expect(translateSqliteError(plain, 'probe')).toBe(plain);
    const ours = new NotFoundError('gone');
    expect(translateSqliteError(ours, 'probe')).toBe(ours);
  });

  it('reports SQLITE_BUSY from a second connection as StoreUnavailableError', () => {
    const directory = tempDirectory();
    try {
      const first = new Database(directory.path());
      const second = new Database(directory.path());
      second.pragma('busy_timeout = 0');
      first.exec('CREATE TABLE t (x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);');
      const busy = thrownBy(() => second.exec('BEGIN IMMEDIATE'));
      expect(translateSqliteError(busy, 'append')).toBeInstanceOf(StoreUnavailableError);
      first.exec('ROLLBACK');
      first.close();
      second.close();
    } finally {
      directory.remove();
    }
  });
});
