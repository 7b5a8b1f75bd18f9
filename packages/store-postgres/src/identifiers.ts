import { InvalidArgumentError } from '@eventsource/core';

/**
 * The only identifiers the store puts into SQL text: lower-case letters, digits and `_`, starting
 * with a letter or `_`, at most 63 characters (PostgreSQL's limit, past which it would silently
 * truncate). Anything else is refused before any I/O, so a schema or table name can never carry
 * SQL of its own.
 */
const IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** Returns `name` when it is a safe identifier; throws `InvalidArgumentError` otherwise. */
export function validateIdentifier(name: unknown, what: string): string {
  if (typeof name !== 'string' || !IDENTIFIER_PATTERN.test(name)) {
    throw new InvalidArgumentError(
      `Invalid ${what} ${JSON.stringify(name)}: use 1-63 lower-case letters, digits or "_", starting with a letter or "_"`,
    );
  }
  return name;
}

/** A validated identifier in double quotes. */
export function quoteIdentifier(name: string): string {
  return `"${validateIdentifier(name, 'identifier')}"`;
}

/** `"schema"."name"`, both validated. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}

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
  const schema = validateIdentifier(options.schema ?? 'public', 'schema name');
  const prefix = options.tablePrefix ?? '';
  if (prefix !== '') validateIdentifier(prefix, 'table prefix');
  const tables = {} as Record<keyof TableNames, string>;
  for (const key of Object.keys(DEFAULT_TABLES) as (keyof TableNames)[]) {
    const name = options.tableNames?.[key] ?? `${prefix}${DEFAULT_TABLES[key]}`;
    validateIdentifier(name, `${key} table name`);
    if (name.length + LONGEST_SUFFIX > 63) {
      throw new InvalidArgumentError(
        `The ${key} table name "${name}" is too long: keep it under ${64 - LONGEST_SUFFIX} characters`,
      );
    }
    tables[key] = name;
  }
  if (new Set(Object.values(tables)).size !== Object.keys(tables).length) {
    throw new InvalidArgumentError(`Table names must be distinct, got ${JSON.stringify(tables)}`);
  }
  return { schema, tables };
}
