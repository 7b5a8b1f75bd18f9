import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { InvalidArgumentError, NotFoundError, UnavailableError } from '@eventsource/core';
import { sqliteCodeOf, sqliteMessageOf, translateSqliteError } from '../src/index.ts';
import { tempDirectory } from './temp-directory.ts';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('translateSqliteError', () => {
  it('reports constraint violations as InvalidArgumentError with the driver error as cause', () => {
    const database = new Database(':memory:');
    database.exec('CREATE TABLE t (x TEXT NOT NULL UNIQUE)');
    database.exec(`INSERT INTO t VALUES ('a')`);
    const duplicate = thrownBy(() => database.exec(`INSERT INTO t VALUES ('a')`));
    expect(sqliteCodeOf(duplicate)).toBe('SQLITE_CONSTRAINT_UNIQUE');
    expect(sqliteMessageOf(duplicate)).toContain('t.x');
    const translated = translateSqliteError(duplicate, 'insert') as InvalidArgumentError;
    expect(translated).toBeInstanceOf(InvalidArgumentError);
    expect(translated.message).toContain('SQLite insert rejected the write (SQLITE_CONSTRAINT_UNIQUE)');
    expect(translated.cause).toBe(duplicate);
    database.close();
  });

  it('keeps the driver error as cause, and passes other errors through', () => {
    const database = new Database(':memory:');
    const syntax = thrownBy(() => database.exec('SELEC 1'));
    const translated = translateSqliteError(syntax, 'probe') as UnavailableError;
    expect(translated).toBeInstanceOf(UnavailableError);
    expect(translated.cause).toBe(syntax);
    database.close();
    const plain = new TypeError('not sqlite');
    expect(translateSqliteError(plain, 'probe')).toBe(plain);
    expect(sqliteCodeOf(plain)).toBeUndefined();
    const ours = new NotFoundError('gone');
    expect(translateSqliteError(ours, 'probe')).toBe(ours);
    expect(sqliteMessageOf('a string')).toBe('a string');
  });

  it('reports values SQLite refuses (too big, wrong type) as InvalidArgumentError, not UnavailableError', () => {
    const database = new Database(':memory:');
    database.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    const tooBig = thrownBy(() => database.prepare('SELECT zeroblob(?)').get(2_000_000_000));
    const mismatch = thrownBy(() => database.prepare('INSERT INTO t VALUES (?)').run('abc'));
    for (const [error, code] of [
      [tooBig, 'SQLITE_TOOBIG'],
      [mismatch, 'SQLITE_MISMATCH'],
    ] as const) {
      expect(sqliteCodeOf(error)).toBe(code);
      const translated = translateSqliteError(error, 'append') as InvalidArgumentError;
      expect(translated).toBeInstanceOf(InvalidArgumentError);
      expect(translated.name).toBe('InvalidArgumentError');
      expect(translated.message).toContain(code);
      expect(translated.cause).toBe(error);
    }
    database.close();
  });

  it('reports SQLITE_BUSY from a second connection as UnavailableError', () => {
    const directory = tempDirectory();
    try {
      const first = new Database(directory.path());
      const second = new Database(directory.path());
      second.pragma('busy_timeout = 0');
      first.exec('CREATE TABLE t (x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);');
      const busy = thrownBy(() => second.exec('BEGIN IMMEDIATE'));
      expect(sqliteCodeOf(busy)).toBe('SQLITE_BUSY');
      expect(translateSqliteError(busy, 'append')).toBeInstanceOf(UnavailableError);
      first.exec('ROLLBACK');
      first.close();
      second.close();
    } finally {
      directory.remove();
    }
  });
});
