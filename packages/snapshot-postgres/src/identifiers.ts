import { InvalidArgumentError } from '@eventsource/core';
import { resolveTableNames } from '@eventsource/sql-postgres';

export interface SnapshotTableNames {
  readonly snapshots: string;
  readonly migrations: string;
}

export interface SnapshotNamingOptions {
  /** PostgreSQL schema holding the table (default `public`); created by `migrate()` when missing. */
  readonly schema?: string;
  /** Prefix for the default table names (default none). */
  readonly tablePrefix?: string;
  /** Explicit table names; each wins over the prefixed default. */
  readonly tableNames?: Partial<SnapshotTableNames>;
}

export interface ResolvedSnapshotNaming {
  readonly schema: string;
  readonly tables: SnapshotTableNames;
}

const DEFAULT_TABLES: SnapshotTableNames = { snapshots: 'snapshots', migrations: 'eventsource_migrations' };

/** Longest suffix appended to a table name for its constraints and indexes. */
const LONGEST_SUFFIX = '_type_schema_idx'.length;

/** Validates and resolves schema and table names; throws `InvalidArgumentError` on anything unsafe. */
export function resolveSnapshotNaming(options: SnapshotNamingOptions): ResolvedSnapshotNaming {
  const naming = resolveTableNames(options, DEFAULT_TABLES, LONGEST_SUFFIX);
  if (naming.tables.snapshots === naming.tables.migrations)
    throw new InvalidArgumentError('The snapshots and migrations tables must differ');
  return naming;
}
