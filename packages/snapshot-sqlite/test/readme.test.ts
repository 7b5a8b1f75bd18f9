import { afterAll, expect, it } from '@jest/globals';
import { SQLiteSnapshotStore } from '../src/index.ts';
import { tempDirectory } from './temp-database.ts';
import { readmeExample } from '../../../tooling/config/readme-example.ts';

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
  // README example, to here.
  expect(snapshot?.version).toBe(12);
  expect((snapshot?.state as { since: Date }).since).toEqual(new Date('2026-01-01T00:00:00Z'));
});

it('keeps the README example identical to the code above', () => {
  const { readme, test } = readmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url), {
    "database: 'app.db'": 'database: databasePath',
  });
  expect(readme).toBe(test);
});
