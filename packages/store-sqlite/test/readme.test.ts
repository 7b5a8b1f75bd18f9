import { afterAll, expect, it } from '@jest/globals';
import { defineEvent, EventRegistry } from '@eventsource/core';
import { SQLiteEventStore } from '../src/index.ts';
import { tempDirectory } from './temp-database.ts';
import { readmeExample } from '../../../tooling/config/readme-example.ts';

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
  // README example, to here.
  expect(stream.version).toBe(1);
  expect(stream.events[0]?.data).toEqual({ title: 'Write docs' });
});

it('keeps the README example identical to the code above', () => {
  const { readme, test } = readmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url), {
    "database: 'app.db'": 'database: databasePath',
  });
  expect(readme).toBe(test);
});
