import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@eventsource/core';
import { migrate, SQLiteConnection, translateSqliteError } from '../src/index.ts';

it('runs the README usage example', () => {
  // README example, from here:
  const connection = new SQLiteConnection({ database: ':memory:' }, 'NoteStore');
  const migrated = migrate(connection.db, 'notes', [
    'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)',
  ]);
  let refused: unknown;
  try {
    connection.db.prepare('INSERT INTO notes (body) VALUES (NULL)').run();
  } catch (error) {
    refused = translateSqliteError(error, 'insert of a note'); // InvalidArgumentError, the SqliteError as cause
  }
  connection.close(); // migrated: { from: 0, to: 1 }
  // to here.
  expect(migrated).toEqual({ from: 0, to: 1 });
  expect(refused).toBeInstanceOf(InvalidArgumentError);
  expect(((refused as Error).cause as { code?: string }).code).toBe('SQLITE_CONSTRAINT_NOTNULL');
  expect(connection.db.open).toBe(false);
});

it('keeps the README example identical to the code above', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const example = /## Usage[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const test = readFileSync(join(import.meta.dirname, 'readme.test.ts'), 'utf8');
  const body = test.slice(test.indexOf('// README example, from here:'), test.indexOf('// to here.'));
  const code = (text: string) =>
    text
      .replace(/^import [\s\S]*?;$/gm, '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !line.startsWith('//'));
  expect(code(example)).toEqual(code(body));
});
