import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@eventsource/core';
import { qualifiedName, quoteIdentifier, resolveTableNames, validateIdentifier } from '../src/index.ts';

const REFUSED: readonly (readonly [name: string, why: string])[] = [
  ['public; DROP TABLE users; --', 'a statement separator'],
  ['events"; DROP SCHEMA public CASCADE; --', 'a closing double quote'],
  ["events' OR '1'='1", 'a single quote'],
  ['Events', 'an upper-case letter, which PostgreSQL would fold'],
  ['my-schema', 'a dash'],
  ['a.b', 'a dot'],
  ['1events', 'a leading digit'],
  ['', 'nothing'],
  [' events', 'a space'],
  ['events\u0000', 'a NUL byte'],
  ['évents', 'a non-ASCII letter'],
  ['x'.repeat(64), '64 characters, which PostgreSQL would truncate'],
];

describe('identifiers', () => {
  it.each(REFUSED)('refuses %j (%s) before it can reach SQL text', (name) => {
    expect(() => validateIdentifier(name, 'schema name')).toThrow(InvalidArgumentError);
    expect(() => quoteIdentifier(name)).toThrow(InvalidArgumentError);
    expect(() => qualifiedName('public', name)).toThrow(InvalidArgumentError);
    expect(() => qualifiedName(name, 'events')).toThrow(InvalidArgumentError);
  });

  it('refuses non-strings and names what was refused', () => {
    expect(() => validateIdentifier(42, 'table prefix')).toThrow(/Invalid table prefix 42/);
  });

  it('accepts lower-case names up to 63 characters and quotes them', () => {
    expect(validateIdentifier('es_test_01', 'schema name')).toBe('es_test_01');
    expect(validateIdentifier('_'.repeat(63), 'schema name')).toHaveLength(63);
    expect(quoteIdentifier('events')).toBe('"events"');
    expect(qualifiedName('billing', 'events')).toBe('"billing"."events"');
  });
});

describe('resolveTableNames', () => {
  const defaults = { notes: 'notes', migrations: 'eventsource_migrations' };

  it('resolves the public schema and the defaults, then prefixes, then explicit names', () => {
    expect(resolveTableNames({}, defaults, 4)).toEqual({ schema: 'public', tables: defaults });
    expect(
      resolveTableNames({ schema: 'app', tablePrefix: 'x_', tableNames: { notes: 'memo' } }, defaults, 4),
    ).toEqual({
      schema: 'app',
      tables: { notes: 'memo', migrations: 'x_eventsource_migrations' },
    });
  });

  it.each(REFUSED.filter(([name]) => name !== '').map(([name]) => name))('refuses %j anywhere', (name) => {
    expect(() => resolveTableNames({ schema: name }, defaults, 4)).toThrow(InvalidArgumentError);
    expect(() => resolveTableNames({ tablePrefix: name }, defaults, 4)).toThrow(InvalidArgumentError);
    expect(() => resolveTableNames({ tableNames: { notes: name } }, defaults, 4)).toThrow(
      InvalidArgumentError,
    );
  });

  it('leaves room for the longest suffix the adapter derives from a table name', () => {
    expect(
      resolveTableNames({ tableNames: { notes: 'n'.repeat(59) } }, defaults, 4).tables.notes,
    ).toHaveLength(59);
    expect(() => resolveTableNames({ tableNames: { notes: 'n'.repeat(60) } }, defaults, 4)).toThrow(
      /notes table name .* is too long: keep it under 60 characters/,
    );
  });
});
