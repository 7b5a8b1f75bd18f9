import type { Pool } from 'pg';
import { getLogger, SchemaVersionError } from '@eventsource/core';
import { withTransaction } from './database-client.ts';
import { qualifiedName, quoteIdentifier } from './identifiers.ts';

/** One schema change. Versions of a scope are applied in order, each exactly once. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export interface MigrationTarget {
  readonly schema: string;
  /** Table recording applied migrations (validated identifier). */
  readonly migrationsTable: string;
  /** Which migration set: several components (and table sets) share one migrations table. */
  readonly scope: string;
  readonly migrations: readonly Migration[];
  /** Logger each applied migration is reported under (`LoggerNames.storesPostgresql`, ...). */
  readonly loggerName: string;
}

/**
 * Applies the migrations of `target.scope` not applied yet, in one transaction, under a
 * transaction-scoped advisory lock on the schema: concurrent callers (several processes starting
 * at once) wait, then find the work done. Returns the versions this call applied.
 */
export function applyMigrations(pool: Pool, target: MigrationTarget): Promise<number[]> {
  const migrationsTable = qualifiedName(target.schema, target.migrationsTable);
  return withTransaction(pool, 'migrate', async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `eventsource.migrations:${target.schema}`,
    ]);
    const schemaExists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [target.schema]);
    if (schemaExists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdentifier(target.schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${migrationsTable} (
        scope text NOT NULL,
        version integer NOT NULL,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, version)
      )`,
    );
    const applied = new Set(
      (
        await client.query<{ version: number }>(`SELECT version FROM ${migrationsTable} WHERE scope = $1`, [
          target.scope,
        ])
      ).rows.map((row) => row.version),
    );
    const newest = Math.max(0, ...target.migrations.map((migration) => migration.version));
    const newestApplied = Math.max(0, ...applied);
    if (newestApplied > newest) {
      throw new SchemaVersionError(
        `${target.schema}.${target.migrationsTable} records ${target.scope} version ${newestApplied}, newer than this release knows (${newest}): upgrade the package`,
      );
    }
    const done: number[] = [];
    for (const migration of [...target.migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await client.query(statement);
      await client.query(`INSERT INTO ${migrationsTable} (scope, version, name) VALUES ($1, $2, $3)`, [
        target.scope,
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
      getLogger(target.loggerName).info(
        { schema: target.schema, scope: target.scope, version: migration.version, name: migration.name },
        'migration applied',
      );
    }
    return done;
  });
}
