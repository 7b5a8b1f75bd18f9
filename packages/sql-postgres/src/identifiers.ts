import { InvalidArgumentError } from '@eventsource/core';

/**
 * The only identifiers the adapters put into SQL text: lower-case letters, digits and `_`, starting
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

/** Where an adapter's tables live: a schema, a prefix for the default names, explicit names. */
export interface TableNamingInput<TKey extends string> {
  readonly schema?: string;
  readonly tablePrefix?: string;
  readonly tableNames?: Partial<Readonly<Record<TKey, string>>>;
}

/** A validated schema and one validated name per table. */
export interface ResolvedTableNames<TKey extends string> {
  readonly schema: string;
  readonly tables: Readonly<Record<TKey, string>>;
}

/**
 * Resolves the schema (default `public`) and every table of `defaults` (its explicit name, else the
 * prefix plus the default), validating each before any I/O. `longestSuffix` is the length of the
 * longest suffix the adapter appends to a table name for its indexes, constraints or functions, so
 * those derived names stay within PostgreSQL's 63 characters as well. Throws `InvalidArgumentError`.
 */
export function resolveTableNames<TKey extends string>(
  options: TableNamingInput<TKey>,
  defaults: Readonly<Record<TKey, string>>,
  longestSuffix: number,
): ResolvedTableNames<TKey> {
  const schema = validateIdentifier(options.schema ?? 'public', 'schema name');
  const prefix = options.tablePrefix ?? '';
  if (prefix !== '') validateIdentifier(prefix, 'table prefix');
  const tables = {} as Record<TKey, string>;
  for (const key of Object.keys(defaults) as TKey[]) {
    const name = options.tableNames?.[key] ?? `${prefix}${defaults[key]}`;
    validateIdentifier(name, `${key} table name`);
    if (name.length + longestSuffix > 63) {
      throw new InvalidArgumentError(
        `The ${key} table name "${name}" is too long: keep it under ${64 - longestSuffix} characters`,
      );
    }
    tables[key] = name;
  }
  return { schema, tables };
}
