import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { defineEvent, EventRegistry } from '@eventsource/core';
import { SQLiteEventStore } from '../src/index.ts';
import { tempDirectory } from './temp-database.ts';

const directory = tempDirectory();
afterAll(() => directory.remove());

it('runs the README usage example', async () => {
  const databasePath = directory.path('app.db');
  // README example, from here:
  const TaskAdded = defineEvent<{ title: string }>('TaskAdded', { aggregateType: 'TaskList' });
  const registry = new EventRegistry();
  registry.register(TaskAdded);

  await using store = new SQLiteEventStore({ database: databasePath, eventRegistry: registry });
  const added = TaskAdded.create({ title: 'Write docs' }, { aggregateId: 'list-1' });
  await store.appendEvents('list-1', 'TaskList', [added], 'no_stream');
  const stream = await store.getEvents('list-1', 'TaskList'); // stream.version === 1
  // to here.
  expect(stream.version).toBe(1);
  expect(stream.events[0]?.data).toEqual({ title: 'Write docs' });
});

it('keeps the README example identical to the code above', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const example = /## Usage[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const test = readFileSync(join(import.meta.dirname, 'readme.test.ts'), 'utf8');
  const body = test.slice(test.indexOf('// README example, from here:'), test.indexOf('// to here.'));
  const code = (text: string) =>
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !line.startsWith('import ') && !line.startsWith('//'));
  expect(code(example).map((line) => line.replace("database: 'app.db'", 'database: databasePath'))).toEqual(
    code(body),
  );
});
