import { describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  ConcurrencyError,
  DatabaseNotFoundError,
  InvalidArgumentError,
  UnavailableError,
} from '@eventsource/core';
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

  it('reports values PostgreSQL cannot store as InvalidArgumentError, by SQLSTATE class', () => {
    for (const code of ['22P05', '22P02', '22021', '54000', '23505', '23503']) {
      const driver = databaseError(code);
      const translated = translatePostgresError(driver, 'append_events') as Error;
      expect(translated).toBeInstanceOf(InvalidArgumentError);
      expect(translated.cause).toBe(driver);
      expect(sqlState(translated)).toBe(code);
    }
  });

  it('names refused credentials and missing databases, and retryable classes', () => {
    expect(translatePostgresError(databaseError('28P01'), 'connect')).toBeInstanceOf(AuthenticationError);
    expect(translatePostgresError(databaseError('28000'), 'connect')).toBeInstanceOf(AuthenticationError);
    expect(translatePostgresError(databaseError('42501'), 'read_all')).toBeInstanceOf(AuthenticationError);
    expect(translatePostgresError(databaseError('3D000'), 'connect')).toBeInstanceOf(DatabaseNotFoundError);
    for (const code of ['40001', '40P01', '53100', '55P03', '57014', '58030', 'XX000']) {
      expect(translatePostgresError(databaseError(code), 'append_events')).toBeInstanceOf(UnavailableError);
    }
  });

  it('passes library errors and unknown errors through unchanged', () => {
    const conflict = new ConcurrencyError({
      aggregateId: 'a',
      aggregateType: 'T',
      expectedVersion: 1,
      actualVersion: 2,
    });
    expect(translatePostgresError(conflict, 'append_events')).toBe(conflict);
    const plpgsql = databaseError('P0001');
    expect(translatePostgresError(plpgsql, 'append_events')).toBe(plpgsql);
    expect(isConnectionError(plpgsql)).toBe(false);
    const plain = new TypeError('not a driver error');
    expect(translatePostgresError(plain, 'append_events')).toBe(plain);
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
