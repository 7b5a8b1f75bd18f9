import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { SchemaVersionError } from '@eventsource/core';
import { applyMigrations, readVersion, type SQLiteDatabase } from '../src/index.ts';

const NOTES_V1 = 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)';
const NOTES_V2 = 'ALTER TABLE notes ADD COLUMN author TEXT';

function tables(db: SQLiteDatabase): string[] {
  return db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
    .pluck()
    .all() as string[];
}

let db: SQLiteDatabase;
beforeEach(() => {
  db = new Database(':memory:');
});
afterEach(() => {
  db.close();
});

describe('applyMigrations', () => {
  it('applies pending migrations once and records the version per component', () => {
    expect(readVersion(db, 'notes')).toBeUndefined();
    expect(applyMigrations(db, 'notes', [NOTES_V1])).toEqual({ from: 0, to: 1 });
    expect(applyMigrations(db, 'notes', [NOTES_V1])).toEqual({ from: 1, to: 1 });
    expect(applyMigrations(db, 'notes', [NOTES_V1, NOTES_V2])).toEqual({ from: 1, to: 2 });
    expect(readVersion(db, 'notes')).toBe(2);
    expect(db.prepare('SELECT author FROM notes').all()).toEqual([]);
  });

  it('versions components sharing a database independently', () => {
    applyMigrations(db, 'notes', [NOTES_V1, NOTES_V2]);
    expect(applyMigrations(db, 'tags', ['CREATE TABLE tags (name TEXT PRIMARY KEY)'])).toEqual({
      from: 0,
      to: 1,
    });
    expect(readVersion(db, 'notes')).toBe(2);
    expect(readVersion(db, 'tags')).toBe(1);
  });

  it('refuses a schema written by a newer release with SchemaVersionError, changing nothing', () => {
    applyMigrations(db, 'notes', [NOTES_V1, NOTES_V2]);
    const before = tables(db);
    expect(() => applyMigrations(db, 'notes', [NOTES_V1])).toThrow(SchemaVersionError);
    expect(readVersion(db, 'notes')).toBe(2);
    expect(tables(db)).toEqual(before);
  });

  it('rolls a failing migration back, keeping the previous version', () => {
    applyMigrations(db, 'notes', [NOTES_V1]);
    expect(() =>
      applyMigrations(db, 'notes', [NOTES_V1, 'CREATE TABLE archive (id INTEGER)', 'NOT SQL AT ALL']),
    ).toThrow();
    expect(readVersion(db, 'notes')).toBe(1);
    expect(tables(db)).not.toContain('archive');
  });
});
