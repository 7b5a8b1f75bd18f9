import { expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@eventsource/core';
import { applyMigrations, SQLiteConnection, translateSqliteError } from '../src/index.ts';
import { readmeExample } from '../../../tooling/config/readme-example.ts';

it('runs the README usage example', () => {
  // README example, from here:
  const connection = new SQLiteConnection({ database: ':memory:' }, 'NoteStore');
  const migrated = applyMigrations(connection.db, 'notes', [
    'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)',
  ]);
  let refused: unknown;
  try {
    connection.db.prepare('INSERT INTO notes (body) VALUES (NULL)').run();
  } catch (error) {
    refused = translateSqliteError(error, 'insert of a note'); // InvalidArgumentError, the SqliteError as cause
  }
  connection.close(); // migrated: { from: 0, to: 1 }
  // README example, to here.
  expect(migrated).toEqual({ from: 0, to: 1 });
  expect(refused).toBeInstanceOf(InvalidArgumentError);
  expect(((refused as Error).cause as { code?: string }).code).toBe('SQLITE_CONSTRAINT_NOTNULL');
  expect(connection.db.open).toBe(false);
});

it('keeps the README example identical to the code above', () => {
  const { readme, test } = readmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url));
  expect(readme).toBe(test);
});
