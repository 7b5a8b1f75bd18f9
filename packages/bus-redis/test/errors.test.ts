import { describe, expect, it } from '@jest/globals';
import { AuthenticationError, ClosedError, InvalidArgumentError, UnavailableError } from '@eventsource/core';
import { isConnectionError, translateRedisError } from '../src/index.ts';

function reply(message: string): Error {
  return Object.assign(new Error(message), { name: 'ReplyError' });
}

describe('translateRedisError', () => {
  it.each([
    ['WRONGTYPE Operation against a key holding the wrong kind of value', InvalidArgumentError],
    ['ERR Invalid stream ID specified as stream command argument', InvalidArgumentError],
    ['WRONGPASS invalid username-password pair or user is disabled.', AuthenticationError],
    ['NOAUTH Authentication required.', AuthenticationError],
    ['NOPERM this user has no permissions to run the xadd command', AuthenticationError],
    ['LOADING Redis is loading the dataset in memory', UnavailableError],
    ["READONLY You can't write against a read only replica.", UnavailableError],
    ['OOM command not allowed when used memory > maxmemory', UnavailableError],
  ])('%s', (message, type) => {
    const error = reply(message);
    const translated = translateRedisError(error, 'XADD', 'cache:6379/0');
    expect(translated).toBeInstanceOf(type);
    expect(translated.cause).toBe(error);
    expect(translated.message).toContain('cache:6379/0');
  });

  it('treats lost connections and timeouts as unavailable', () => {
    for (const error of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      new Error('Connection is closed.'),
      new Error('Command timed out'),
      Object.assign(new Error('Reached the max retries per request limit'), {
        name: 'MaxRetriesPerRequestError',
      }),
    ]) {
      expect(isConnectionError(error)).toBe(true);
      expect(translateRedisError(error, 'XADD', 'cache:6379/0')).toBeInstanceOf(UnavailableError);
    }
  });

  it('scrubs secrets from the message and passes library errors through', () => {
    const translated = translateRedisError(new Error('bad s3cret here'), 'AUTH', 'cache:6379/0', ['s3cret']);
    expect(translated.message).not.toContain('s3cret');
    const closed = new ClosedError('RedisEventBus');
    expect(translateRedisError(closed, 'XADD', 'cache:6379/0')).toBe(closed);
  });
});
