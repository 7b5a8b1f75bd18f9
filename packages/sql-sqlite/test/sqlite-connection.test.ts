import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { ClosedError, InvalidArgumentError, UnavailableError } from '@eventsource/core';
import { SQLiteConnection, type SQLiteDatabase } from '../src/index.ts';
import { tempDirectory } from './temp-directory.ts';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

let directory: ReturnType<typeof tempDirectory>;
beforeEach(() => {
  directory = tempDirectory();
});
afterEach(() => directory.remove());

describe('SQLiteConnection', () => {
  it('opens a file it owns with WAL, foreign keys and the busy timeout, and closes it', () => {
    const connection = new SQLiteConnection(
      { database: directory.path('orders.db'), busyTimeoutMs: 1234 },
      'Probe',
    );
    expect(connection.owned).toBe(true);
    expect(connection.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(connection.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(connection.db.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(connection.namespace).toBe('orders.db');
    connection.close();
    expect(connection.closed).toBe(true);
    expect(connection.db.open).toBe(false);
    connection.close();
    expect(() => connection.assertOpen()).toThrow(ClosedError);
    expect(() => connection.assertOpen()).toThrow(/Probe/);
  });

  it('borrows an open Database and never closes it', () => {
    const borrowed = new Database(':memory:');
    const connection = new SQLiteConnection({ database: borrowed }, 'Probe');
    expect(connection.owned).toBe(false);
    expect(connection.db).toBe(borrowed);
    expect(connection.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    connection.close();
    expect(() => connection.assertOpen()).toThrow(ClosedError);
    expect(borrowed.open).toBe(true);
    borrowed.close();
  });

  it('names databases by base name or :memory:, never by path, in its span attributes', () => {
    const file = new SQLiteConnection({ database: directory.path('ledger.db') }, 'Probe');
    expect(file.attributes('events')).toEqual({
      'db.system': 'sqlite',
      'db.system.name': 'sqlite',
      'db.namespace': 'ledger.db',
      'db.name': 'ledger.db',
      'db.collection.name': 'events',
    });
    expect(JSON.stringify(file.attributes())).not.toContain(directory.path(''));
    file.close();
    const memory = new SQLiteConnection({ database: ':memory:' }, 'Probe');
    expect(memory.namespace).toBe(':memory:');
    expect(memory.db.pragma('journal_mode', { simple: true })).toBe('memory');
    memory.close();
  });

  it('refuses bad options with InvalidArgumentError', () => {
    expect(() => new SQLiteConnection({ database: '' }, 'Probe')).toThrow(InvalidArgumentError);
    expect(() => new SQLiteConnection({ database: ':memory:', busyTimeoutMs: -1 }, 'Probe')).toThrow(
      InvalidArgumentError,
    );
    expect(() => new SQLiteConnection({ database: ':memory:', busyTimeoutMs: 1.5 }, 'Probe')).toThrow(
      InvalidArgumentError,
    );
    expect(() => new SQLiteConnection({ database: {} as SQLiteDatabase }, 'Probe')).toThrow(
      InvalidArgumentError,
    );
    const closed = new Database(':memory:');
    closed.close();
    expect(() => new SQLiteConnection({ database: closed }, 'Probe')).toThrow(/closed/);
  });

  it('reports a file that is not a database as InvalidArgumentError, keeping the driver error', () => {
    const path = directory.path('notes.txt');
    writeFileSync(path, 'this is not a database, it is a text file long enough to have a header'.repeat(10));
    const caught = thrownBy(() => new SQLiteConnection({ database: path }, 'Probe'));
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as Error).message).toContain('not a SQLite database');
    expect(((caught as Error).cause as { code?: string }).code).toBe('SQLITE_NOTADB');
  });

  it('reports a file that cannot be opened as UnavailableError naming only its base name', () => {
    const path = join(directory.path('missing-directory'), 'orders.db');
    const caught = thrownBy(() => new SQLiteConnection({ database: path }, 'Probe'));
    expect(caught).toBeInstanceOf(UnavailableError);
    expect((caught as Error).message).toContain('orders.db');
    expect((caught as Error).message).not.toContain('missing-directory');
    expect((caught as Error).cause).toBeDefined();
  });
});
