// Public API of @eventsource/snapshot-sqlite.
export type { SQLiteConnectionOptions, SQLiteDatabase } from '@eventsource/sql-sqlite';
export { translateSqliteError } from '@eventsource/sql-sqlite';
export { SNAPSHOT_SCHEMA_COMPONENT, SNAPSHOT_SCHEMA_VERSION } from './snapshot-schema.ts';
export { SQLiteSnapshotStore } from './sqlite-snapshot-store.ts';
export type { SQLiteSnapshotStoreOptions } from './sqlite-snapshot-store.ts';
