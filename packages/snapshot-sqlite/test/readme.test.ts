import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { SQLiteSnapshotStore } from '../src/index.ts';
import { tempDirectory } from './temp-database.ts';

const directory = tempDirectory();
afterAll(() => directory.remove());

it('runs the README usage example', async () => {
  const databasePath = directory.path('app.db');
  // README example, from here:
  await using snapshots = new SQLiteSnapshotStore({ database: databasePath });
  await snapshots.saveSnapshot({
    aggregateId: 'list-1',
    aggregateType: 'TaskList',
    version: 12,
    state: { titles: ['Write docs'], since: new Date('2026-01-01T00:00:00Z') },
    schemaVersion: 1,
    createdAt: new Date(),
  });
  const snapshot = await snapshots.getSnapshot('list-1', 'TaskList'); // snapshot.state.since is a Date again
  // to here.
  expect(snapshot?.version).toBe(12);
  expect((snapshot?.state as { since: Date }).since).toEqual(new Date('2026-01-01T00:00:00Z'));
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
