export { PostgreSQLSnapshotStore } from './postgresql-snapshot-store.ts';
export type { PostgreSQLSnapshotStoreOptions } from './postgresql-snapshot-store.ts';
export { validateIdentifier } from '@eventsource/sql-postgres';
export type { SnapshotNamingOptions, SnapshotTableNames } from './identifiers.ts';
