import { describe, expect, it } from '@jest/globals';
import { ConcurrencyError, SerializationError, UnavailableError } from '@eventsource/core';
import { isConnectionError, sqlState, translatePostgresError, violatedConstraint } from '../src/index.ts';

function databaseError(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`database error ${code}`), { code, ...extra });
}

describe('driver error translation', () => {
  it('turns lost connections into UnavailableError with the driver error as cause', () => {
    for (const error of [
      databaseError('57P01'),
      databaseError('08006'),
      databaseError('ECONNREFUSED'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
    ]) {
      expect(isConnectionError(error)).toBe(true);
      const translated = translatePostgresError(error, 'append_events');
      expect(translated).toBeInstanceOf(UnavailableError);
      expect((translated as Error).cause).toBe(error);
    }
  });

  it('reports missing tables as UnavailableError telling to migrate', () => {
    const translated = translatePostgresError(databaseError('42P01'), 'read_all');
    expect(translated).toBeInstanceOf(UnavailableError);
    expect((translated as Error).message).toMatch(/migrate\(\)/);
  });

  it('reports values PostgreSQL cannot store as SerializationError', () => {
    expect(translatePostgresError(databaseError('22P05'), 'append_events')).toBeInstanceOf(
      SerializationError,
    );
  });

  it('passes library errors and unknown errors through unchanged', () => {
    const conflict = new ConcurrencyError({
      aggregateId: 'a',
      aggregateType: 'T',
      expectedVersion: 1,
      actualVersion: 2,
    });
    expect(translatePostgresError(conflict, 'append_events')).toBe(conflict);
    const syntax = databaseError('42601');
    expect(translatePostgresError(syntax, 'append_events')).toBe(syntax);
    expect(isConnectionError(syntax)).toBe(false);
  });

  it('reads the constraint of unique violations only', () => {
    expect(violatedConstraint(databaseError('23505', { constraint: 'events_stream_key' }))).toBe(
      'events_stream_key',
    );
    expect(violatedConstraint(databaseError('23503', { constraint: 'fk' }))).toBeUndefined();
    expect(violatedConstraint('not an error')).toBeUndefined();
    expect(sqlState(databaseError('40001'))).toBe('40001');
    expect(sqlState({ code: 42 })).toBeUndefined();
  });
});
