import { describe, expect, it } from '@jest/globals';
import { SchemaVersionError } from '@eventsource/core';
import { applyMigrations, type Migration, type MigrationTarget } from '../src/index.ts';
import { FakeClient, fakePool } from './fake-pool.ts';

const MIGRATIONS: Migration[] = [
  { version: 2, name: 'add notes author', statements: ['ALTER TABLE notes ADD author text'] },
  { version: 1, name: 'create notes', statements: ['CREATE TABLE notes (id int)'] },
];

function target(migrations: readonly Migration[] = MIGRATIONS): MigrationTarget {
  return {
    schema: 'app',
    migrationsTable: 'eventsource_migrations',
    scope: 'notes',
    migrations,
    loggerName: 'test.migrations',
  };
}

/** A server where schema `app` exists and `notes` has the versions `applied`. */
function server(applied: number[]): FakeClient {
  return new FakeClient((text) => {
    if (text.includes('FROM pg_namespace')) return { rows: [{}], rowCount: 1 };
    if (text.startsWith('SELECT version FROM'))
      return { rows: applied.map((version) => ({ version })), rowCount: applied.length };
    return { rows: [], rowCount: 0 };
  });
}

describe('applyMigrations', () => {
  it('takes the advisory lock first, then applies the missing versions in order inside one transaction', async () => {
    const client = server([]);
    await expect(applyMigrations(fakePool(client), target())).resolves.toEqual([1, 2]);
    expect(client.statements[0]).toBe('BEGIN');
    expect(client.statements[1]).toContain('pg_advisory_xact_lock');
    const applied = client.statements.filter(
      (text) => text.startsWith('CREATE TABLE notes') || text.startsWith('ALTER'),
    );
    expect(applied).toEqual(['CREATE TABLE notes (id int)', 'ALTER TABLE notes ADD author text']);
    expect(client.statements.at(-1)).toBe('COMMIT');
  });

  it('skips versions already applied', async () => {
    const client = server([1]);
    await expect(applyMigrations(fakePool(client), target())).resolves.toEqual([2]);
    expect(client.statements).not.toContain('CREATE TABLE notes (id int)');
  });

  it('refuses a scope recorded at a newer version with SchemaVersionError, applying nothing', async () => {
    const client = server([1, 2, 3]);
    await expect(applyMigrations(fakePool(client), target())).rejects.toBeInstanceOf(SchemaVersionError);
    expect(client.statements).not.toContain('ALTER TABLE notes ADD author text');
    expect(client.statements.at(-1)).toBe('ROLLBACK');
  });

  it('refuses unsafe schema or table names before any I/O', () => {
    const client = server([]);
    expect(() => applyMigrations(fakePool(client), { ...target(), schema: 'app; DROP TABLE x' })).toThrow();
    expect(client.statements).toEqual([]);
  });
});
