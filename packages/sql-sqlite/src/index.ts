// Public API of @eventsource/sql-sqlite: the driver kit the SQLite adapters share.
export { sqliteCodeOf, sqliteMessageOf, translateSqliteError } from './errors.ts';
export { applyMigrations, readVersion } from './migrator.ts';
export type { MigrationOutcome } from './migrator.ts';
export { SQLiteConnection } from './sqlite-connection.ts';
export type { SQLiteConnectionOptions, SQLiteDatabase } from './sqlite-connection.ts';
