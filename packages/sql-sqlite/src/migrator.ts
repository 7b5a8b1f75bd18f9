import { SchemaVersionError } from '@eventsource/core';
import type { SQLiteDatabase } from './sqlite-connection.ts';

/**
 * Where each component records its schema version, one row per component, so components sharing a
 * database file (the store, the snapshot store) migrate independently.
 */
const VERSIONS_TABLE = `CREATE TABLE IF NOT EXISTS eventsource_schema_versions (
  component TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  migrated_at TEXT NOT NULL
)`;

/** The schema versions of one component before and after `migrate()`. */
export interface MigrationOutcome {
  readonly from: number;
  readonly to: number;
}

/**
 * Brings `component`'s schema to the latest version: migration `i` (0-based) takes the schema from
 * version `i` to `i + 1`. All pending migrations run in one `BEGIN IMMEDIATE` transaction, so two
 * processes opening the same new file migrate it once, and a failed migration leaves the previous
 * version intact. A database at a version newer than `migrations.length` was written by a newer
 * release of the library: `SchemaVersionError`, nothing changed. Returns the versions before and after.
 */
export function applyMigrations(
  db: SQLiteDatabase,
  component: string,
  migrations: readonly string[],
): MigrationOutcome {
  const latest = migrations.length;
  if (readVersion(db, component) === latest) return { from: latest, to: latest };
  return db
    .transaction(() => {
      db.exec(VERSIONS_TABLE);
      const current = readVersion(db, component) ?? 0;
      if (current > latest) {
        throw new SchemaVersionError(
          `The database schema of ${component} is at version ${current}, newer than version ${latest} this release knows; upgrade the library`,
        );
      }
      for (let version = current; version < latest; version += 1) db.exec(migrations[version]!);
      db.prepare(
        `INSERT INTO eventsource_schema_versions (component, version, migrated_at) VALUES (?, ?, ?)
       ON CONFLICT (component) DO UPDATE SET version = excluded.version, migrated_at = excluded.migrated_at`,
      ).run(component, latest, new Date().toISOString());
      return { from: current, to: latest };
    })
    .immediate();
}

/** The recorded schema version of `component`, or `undefined` when it has none. */
export function readVersion(db: SQLiteDatabase, component: string): number | undefined {
  const table = db
    .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'eventsource_schema_versions'`)
    .pluck()
    .get();
  if (table === undefined) return undefined;
  const version = db
    .prepare('SELECT version FROM eventsource_schema_versions WHERE component = ?')
    .pluck()
    .get(component);
  return typeof version === 'number' ? version : undefined;
}
