import Database from 'better-sqlite3';
import {
  checkpointRepositoryContract,
  dlqRepositoryContract,
  eventStoreContract,
  outboxRepositoryContract,
} from '@eventsource/testing';
import {
  SQLiteCheckpointRepository,
  SQLiteDLQRepository,
  SQLiteEventStore,
  SQLiteOutboxRepository,
} from '../src/index.ts';
import { tempDirectory } from './temp-database.ts';

// Every contract runs against a file database the component opens and owns, and against a
// `:memory:` database handed over as a Database instance (the way components share one).

eventStoreContract('SQLiteEventStore (file)', async ({ registry }) => {
  const directory = tempDirectory();
  return {
    subject: new SQLiteEventStore({ database: directory.path(), eventRegistry: registry }),
    dispose: directory.remove,
  };
});

eventStoreContract(
  'SQLiteEventStore (:memory:, owned)',
  async ({ registry }) => new SQLiteEventStore({ database: ':memory:', eventRegistry: registry }),
);

eventStoreContract('SQLiteEventStore (:memory: Database, borrowed, with outbox)', async ({ registry }) => {
  const database = new Database(':memory:');
  return {
    subject: new SQLiteEventStore({ database, eventRegistry: registry, outbox: true }),
    dispose: () => void database.close(),
  };
});

checkpointRepositoryContract('SQLiteCheckpointRepository (file)', async () => {
  const directory = tempDirectory();
  return {
    subject: new SQLiteCheckpointRepository({ database: directory.path() }),
    dispose: directory.remove,
  };
});

checkpointRepositoryContract('SQLiteCheckpointRepository (:memory:)', async () => {
  const database = new Database(':memory:');
  return { subject: new SQLiteCheckpointRepository({ database }), dispose: () => void database.close() };
});

dlqRepositoryContract('SQLiteDLQRepository (file)', async ({ registry }) => {
  const directory = tempDirectory();
  return {
    subject: new SQLiteDLQRepository({ database: directory.path(), eventRegistry: registry }),
    dispose: directory.remove,
  };
});

dlqRepositoryContract('SQLiteDLQRepository (:memory:)', async ({ registry }) => {
  const database = new Database(':memory:');
  return {
    subject: new SQLiteDLQRepository({ database, eventRegistry: registry }),
    dispose: () => void database.close(),
  };
});

outboxRepositoryContract('SQLiteOutboxRepository (file)', async ({ registry }) => {
  const directory = tempDirectory();
  return {
    subject: new SQLiteOutboxRepository({ database: directory.path(), eventRegistry: registry }),
    dispose: directory.remove,
  };
});

outboxRepositoryContract('SQLiteOutboxRepository (:memory:)', async ({ registry }) => {
  const database = new Database(':memory:');
  return {
    subject: new SQLiteOutboxRepository({ database, eventRegistry: registry }),
    dispose: () => void database.close(),
  };
});
