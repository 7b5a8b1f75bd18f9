import { describe, expect, it } from '@jest/globals';
import {
  AggregateNotFoundError,
  ClosedError,
  ConcurrencyError,
  ErrorCodes,
  errorTypeOf,
  EventSourceError,
  HandlerDispatchError,
  isEventSourceError,
  NotFoundError,
  SchemaVersionError,
  UnavailableError,
} from '../src/index.ts';

describe('errors', () => {
  it('carry stable codes and keep the cause', () => {
    const cause = new Error('driver');
    const error = new UnavailableError('database down', { cause });
    expect(error.code).toBe(ErrorCodes.unavailable);
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('UnavailableError');
    expect(
      new ConcurrencyError({ aggregateId: 'a', aggregateType: 'T', expectedVersion: 1, actualVersion: 2 })
        .message,
    ).toBe('Concurrency conflict on T a: expected version 1, but the current version is 2');
  });

  it('are recognised across duplicate installs by marker and code', () => {
    const foreign = Object.assign(new Error('x'), { code: ErrorCodes.concurrencyConflict });
    Object.defineProperty(foreign, Symbol.for('@eventsource/core/error'), { value: true });
    expect(foreign instanceof ConcurrencyError).toBe(true);
    expect(foreign instanceof EventSourceError).toBe(true);
    expect(foreign instanceof AggregateNotFoundError).toBe(false);
    expect(new Error('plain') instanceof EventSourceError).toBe(false);
    expect(isEventSourceError(new ClosedError('x'), ErrorCodes.closed)).toBe(true);
    expect(isEventSourceError(new ClosedError('x'), ErrorCodes.notFound)).toBe(false);
    expect(isEventSourceError('nope')).toBe(false);
  });

  it('describe handler failures together', () => {
    const error = new HandlerDispatchError('OrderPlaced', [
      { handlerName: 'A', error: new Error('a') },
      { handlerName: 'B', error: new Error('b') },
    ]);
    expect(error.message).toBe('2 handler(s) failed for OrderPlaced: A, B');
    expect(error.failures).toHaveLength(2);
  });

  it('name error types for attributes', () => {
    expect(errorTypeOf(new TypeError('x'))).toBe('TypeError');
    expect(errorTypeOf(new SchemaVersionError('x'))).toBe('SchemaVersionError');
    expect(errorTypeOf('text')).toBe('string');
    expect(new NotFoundError('gone').code).toBe('NOT_FOUND');
  });
});
