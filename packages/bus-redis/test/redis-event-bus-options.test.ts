import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@eventsource/core';
import { RedisEventBus, resolveRedisOptions, type RedisEventBusOptions } from '../src/index.ts';

describe('options', () => {
  it('applies the seed defaults', () => {
    const resolved = resolveRedisOptions({});
    expect(resolved).toMatchObject({
      redisAddress: 'localhost:6379/0',
      stream: 'events:stream',
      dlqStream: 'events:stream_dlq',
      consumerGroup: 'default',
      batchSize: 100,
      blockMs: 5_000,
      maxLength: undefined,
      approximateTrimming: true,
      pendingIdleMs: 60_000,
      claimIntervalMs: 5_000,
      enableDlq: true,
      propagation: 'parent',
      shutdownTimeoutMs: 30_000,
    });
    expect(resolved.consumerName).toMatch(/^.+-[0-9a-f]{8}$/);
    expect(resolved.retryPolicy.maxRetries).toBe(3);
    expect(resolved.replayStream('projections')).toBe('events:stream:replay:projections');
    expect(resolved.connection).toMatchObject({ host: 'localhost', port: 6379, db: 0, lazyConnect: true });
    expect(resolved.connection.tls).toBeUndefined();
  });

  it('reads credentials, database and TLS from the URL and keeps the password out of the address', () => {
    const resolved = resolveRedisOptions({ redisUrl: 'rediss://app:s3cret%21@cache.internal:6380/2' });
    expect(resolved.redisAddress).toBe('cache.internal:6380/2');
    expect(resolved.connection).toMatchObject({
      host: 'cache.internal',
      port: 6380,
      db: 2,
      username: 'app',
      password: 's3cret!',
      tls: {},
    });
    expect(resolveRedisOptions({ tls: { rejectUnauthorized: false } }).connection.tls).toEqual({
      rejectUnauthorized: false,
    });
  });

  it.each<[string, RedisEventBusOptions, RegExp]>([
    ['a URL that does not parse', { redisUrl: 'not a url' }, /redisUrl is not a URL/],
    ['another scheme', { redisUrl: 'http://localhost:6379' }, /redis:\/\/ or rediss:\/\//],
    ['a database that is not a number', { redisUrl: 'redis://localhost:6379/x' }, /database/],
    ['an empty stream prefix', { streamPrefix: '' }, /streamPrefix/],
    ['a stream prefix with spaces', { streamPrefix: 'my events' }, /streamPrefix/],
    ['a consumer group with spaces', { consumerGroup: 'a b' }, /consumerGroup/],
    ['an empty consumer name', { consumerName: '' }, /consumerName/],
    ['a zero batch size', { batchSize: 0 }, /batchSize/],
    ['a fractional block time', { blockMs: 1.5 }, /blockMs/],
    ['a negative max length', { maxLength: -1 }, /maxLength/],
    ['a zero pending idle time', { pendingIdleMs: 0 }, /pendingIdleMs/],
    ['a tiny reconnect delay', { maxReconnectDelayMs: 10 }, /maxReconnectDelayMs/],
    ['a string for TLS', { tls: 'yes' as unknown as boolean }, /tls/],
    ['negative retries', { maxRetries: -1 }, /maxRetries/],
    ['jitter above 1', { retryJitter: 2 }, /retryJitter/],
    ['an unknown propagation', { propagation: 'sideways' as 'link' }, /propagation/],
  ])('rejects %s with InvalidArgumentError before connecting', (_case, options, message) => {
    expect(() => new RedisEventBus(options)).toThrow(InvalidArgumentError);
    expect(() => new RedisEventBus(options)).toThrow(message);
  });

  it('never repeats the password of a URL it rejects', () => {
    let error: unknown;
    try {
      resolveRedisOptions({ redisUrl: 'redis://user:hunter2-secret@host:port-not-a-number' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(String((error as Error).message)).not.toContain('hunter2-secret');
    expect(String((error as Error).message)).toContain('***');
  });
});
