import Database from 'better-sqlite3';
import { snapshotStoreContract } from '@eventsource/testing';
import { SQLiteSnapshotStore } from '../src/index.ts';
import { tempDirectory } from './temp-database.ts';

snapshotStoreContract('SQLiteSnapshotStore (file)', async () => {
  const directory = tempDirectory();
  return { subject: new SQLiteSnapshotStore({ database: directory.path() }), dispose: directory.remove };
});

snapshotStoreContract(
  'SQLiteSnapshotStore (:memory:, owned)',
  async () => new SQLiteSnapshotStore({ database: ':memory:' }),
);

snapshotStoreContract('SQLiteSnapshotStore (:memory: Database, borrowed)', async () => {
  const database = new Database(':memory:');
  return { subject: new SQLiteSnapshotStore({ database }), dispose: () => void database.close() };
});
