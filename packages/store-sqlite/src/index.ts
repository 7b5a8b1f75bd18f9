// Public API of @eventsource/store-sqlite.
export type { SQLiteConnectionOptions, SQLiteDatabase } from '@eventsource/sql-sqlite';
export { translateSqliteError } from '@eventsource/sql-sqlite';
export { SQLiteCheckpointRepository } from './sqlite-checkpoint-repository.ts';
export type { SQLiteRepositoryOptions } from './sqlite-repository.ts';
export { SQLiteDLQRepository } from './sqlite-dlq-repository.ts';
export { SQLiteEventStore } from './sqlite-event-store.ts';
export type { SQLiteEventStoreOptions } from './sqlite-event-store.ts';
export { SQLiteOutboxRepository } from './sqlite-outbox-repository.ts';
export { STORE_SCHEMA_COMPONENT, STORE_SCHEMA_VERSION } from './store-schema.ts';
