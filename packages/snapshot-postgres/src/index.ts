export { PostgreSQLSnapshotStore } from './postgresql-snapshot-store.ts';
export type { PostgreSQLSnapshotStoreOptions } from './postgresql-snapshot-store.ts';
export { validateIdentifier } from './identifiers.ts';
export type { SnapshotNamingOptions, SnapshotTableNames } from './identifiers.ts';
