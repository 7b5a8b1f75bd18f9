import { InvalidArgumentError } from '@eventsource/core';
import { resolveTableNames } from '@eventsource/sql-postgres';

export interface TableNames {
  readonly events: string;
  readonly outbox: string;
  readonly checkpoints: string;
  readonly deadLetters: string;
  readonly migrations: string;
}

export interface TableNamingOptions {
  /** PostgreSQL schema holding the tables (default `public`); created by `migrate()` when missing. */
  readonly schema?: string;
  /** Prefix for every default table name (default none). */
  readonly tablePrefix?: string;
  /** Explicit table names; each wins over the prefixed default. */
  readonly tableNames?: Partial<TableNames>;
}

export interface ResolvedNaming {
  readonly schema: string;
  readonly tables: TableNames;
}

const DEFAULT_TABLES: TableNames = {
  events: 'events',
  outbox: 'event_outbox',
  checkpoints: 'projection_checkpoints',
  deadLetters: 'dead_letter_queue',
  migrations: 'eventsource_migrations',
};

/** Longest suffix the store appends to a table name for its indexes, sequence and function. */
const LONGEST_SUFFIX = '_aggregate_type_idx'.length;

/** Validates and resolves schema and table names; throws `InvalidArgumentError` on anything unsafe. */
export function resolveNaming(options: TableNamingOptions): ResolvedNaming {
  const naming = resolveTableNames(options, DEFAULT_TABLES, LONGEST_SUFFIX);
  if (new Set(Object.values(naming.tables)).size !== Object.keys(naming.tables).length) {
    throw new InvalidArgumentError(`Table names must be distinct, got ${JSON.stringify(naming.tables)}`);
  }
  return naming;
}
