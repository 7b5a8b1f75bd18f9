// Public API of @eventsource/snapshot-sqlite.
export { translateSqliteError } from './errors.ts';
export { SNAPSHOT_SCHEMA_COMPONENT, SNAPSHOT_SCHEMA_VERSION } from './snapshot-schema.ts';
export type { SQLiteConnectionOptions, SQLiteDatabase } from './sqlite-connection.ts';
export { SQLiteSnapshotStore } from './sqlite-snapshot-store.ts';
export type { SQLiteSnapshotStoreOptions } from './sqlite-snapshot-store.ts';
