import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@eventsource/core';
import { isVersionConflict } from '../src/errors.ts';
import { SQLiteEventStore, translateSqliteError } from '../src/index.ts';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const insert = `INSERT INTO events (event_id, aggregate_id, aggregate_type, version, event_type, event_version, occurred_at,
  correlation_id, metadata, data, stored_at) VALUES (?, 'a', 'T', 1, 'E', 1, '2026-01-01T00:00:00.000Z', 'c', '{}', '{}', 'now')`;

describe('stream version conflicts', () => {
  it('recognises a second writer of the same stream version by the constraint it violates', async () => {
    await using store = new SQLiteEventStore({ database: ':memory:' });
    store.database.prepare(insert).run('event-1');
    const versionTaken = thrownBy(() => store.database.prepare(insert).run('event-2'));
    expect(isVersionConflict(versionTaken)).toBe(true);
    const idTaken = thrownBy(() =>
      store.database.prepare(insert.replace("'a', 'T', 1", "'b', 'T', 1")).run('event-1'),
    );
    expect(isVersionConflict(idTaken)).toBe(false);
    expect(translateSqliteError(idTaken, 'append')).toBeInstanceOf(InvalidArgumentError);
  });
});
