import { describe, expect, it } from '@jest/globals';
import { isLoopbackHost, loopbackEndpoint } from '../src/service-endpoint.ts';

describe('loopbackEndpoint', () => {
  it('reads host and port from URLs and from host:port pairs', () => {
    expect(loopbackEndpoint('postgres://user:secret@127.0.0.1:6543/database', 5432)).toEqual({
      host: '127.0.0.1',
      port: 6543,
    });
    expect(loopbackEndpoint('127.0.0.1:9092', 9092)).toEqual({ host: '127.0.0.1', port: 9092 });
  });

  it('uses the default port and maps localhost to 127.0.0.1', () => {
    expect(loopbackEndpoint('redis://localhost', 6379)).toEqual({ host: '127.0.0.1', port: 6379 });
  });

  it('tells loopback hosts from others', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('db.internal')).toBe(false);
  });
});
