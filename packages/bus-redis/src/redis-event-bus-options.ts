import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import type { RedisOptions } from 'ioredis';
import { InvalidArgumentError } from '@eventsource/core';
import {
  integerOption,
  resolveEventBusOptions,
  type EventBusOptions,
  type ResolvedEventBusOptions,
} from '@eventsource/core/kit';

/**
 * The Redis-specific options of {@link RedisEventBus}: the seed's `RedisEventBusConfig` in
 * camelCase, durations in milliseconds. Every field is optional.
 */
export interface RedisStreamOptions {
  /**
   * `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. Default
   * `redis://localhost:6379`. The password is used to connect and nowhere else: spans, metrics,
   * logs and errors show the URL without it.
   */
  readonly redisUrl?: string;
  /** Every event goes to the stream `${streamPrefix}:stream`. Default `events`. */
  readonly streamPrefix?: string;
  /** This member's name inside its consumer group. Default `${hostname}-${8 random hex}`. */
  readonly consumerName?: string;
  /** Most entries per `XREADGROUP` (COUNT) and per pipelined `XADD` round trip. Default 100. */
  readonly batchSize?: number;
  /** How long one `XREADGROUP` blocks waiting for entries (BLOCK). Default 5000. */
  readonly blockMs?: number;
  /**
   * Trims the stream to about this many entries on every `XADD` (`MAXLEN ~`), so it does not
   * grow without bound. Entries trimmed before a group read them are lost to that group.
   * Default: no trimming.
   */
  readonly maxLength?: number;
  /** `MAXLEN ~` (true, default: cheap, whole macro nodes) or exact `MAXLEN =`. */
  readonly approximateTrimming?: boolean;
  /**
   * How long an entry stays pending (delivered, not acknowledged) with a member before another
   * member of the group takes it over with `XAUTOCLAIM`: the time after which a member counts as
   * dead. Default 60000.
   */
  readonly pendingIdleMs?: number;
  /** How often a member looks for entries to take over. Default: half of `pendingIdleMs`, at most 5000. */
  readonly claimIntervalMs?: number;
  /** Dead letters go to `${stream}${dlqStreamSuffix}`. Default `_dlq` (`events:stream_dlq`). */
  readonly dlqStreamSuffix?: string;
  /** TLS: `true`, or Node `tls.connect` options (CA, client certificate, ...). A `rediss://` URL turns it on too. */
  readonly tls?: boolean | ConnectionOptions;
  /** Default 5000 (the seed's `socket_connect_timeout`). */
  readonly connectTimeoutMs?: number;
  /**
   * The seed's `socket_timeout`: while commands await their answer, a connection that receives
   * nothing for this long is dropped and reconnected (its commands are sent again). The blocking
   * read's connection is exempt. Default 5000.
   */
  readonly socketTimeoutMs?: number;
  /** Longest pause between reconnection attempts (they start at 100 ms and grow). Default 2000. */
  readonly maxReconnectDelayMs?: number;
  /**
   * Reconnection attempts a publish or acknowledgement waits through (queued meanwhile) before it
   * fails with `UnavailableError`. Default 20 (ioredis' default).
   */
  readonly maxRetriesPerRequest?: number;
  /** Further ioredis settings (they win over the ones derived above). */
  readonly redisOptions?: RedisOptions;
}

/** The Redis-specific options with defaults applied and checked. */
export interface ResolvedRedisStreamOptions {
  /** Host, port and database, never the password: for attributes, logs and errors. */
  readonly redisAddress: string;
  readonly serverAddress: string;
  readonly serverPort: number;
  readonly stream: string;
  readonly replayStream: (consumerGroup: string) => string;
  readonly dlqStream: string;
  readonly consumerName: string;
  readonly batchSize: number;
  readonly blockMs: number;
  readonly maxLength: number | undefined;
  readonly approximateTrimming: boolean;
  readonly pendingIdleMs: number;
  readonly claimIntervalMs: number;
  /** ioredis settings for the connections the bus opens (credentials included). */
  readonly connection: RedisOptions;
}

/**
 * Options of {@link RedisEventBus}: the options every bus takes (consumer group, retries, DLQ on
 * or off, propagation, shutdown timeout, telemetry) plus the Redis ones.
 */
export interface RedisEventBusOptions extends EventBusOptions, RedisStreamOptions {}

/** Every option resolved. */
export interface ResolvedRedisOptions extends ResolvedEventBusOptions, ResolvedRedisStreamOptions {}

/** Applies defaults and rejects bad input with `InvalidArgumentError`, before anything connects. */
export function resolveRedisOptions(options: RedisEventBusOptions): ResolvedRedisOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError('RedisEventBus options must be an object');
  const shared = resolveEventBusOptions(options);
  return { ...shared, ...resolveRedisStreamOptions(options, shared.consumerGroup) };
}

/** Stream key parts: printable, no spaces (they show up in `redis-cli` and in metric attributes). */
const KEY_PART = /^[\x21-\x7e]{1,200}$/;

interface ParsedUrl {
  readonly host: string;
  readonly port: number;
  readonly database: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly secure: boolean;
}

/** The URL with any credentials removed, for messages about a URL that does not parse. */
function redactedUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

function parseRedisUrl(url: string): ParsedUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(`redisUrl is not a URL: ${redactedUrl(url)}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new InvalidArgumentError(
      `redisUrl must start with redis:// or rediss://, got ${parsed.protocol}//`,
    );
  if (parsed.hostname === '') throw new InvalidArgumentError('redisUrl names no host');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const path = parsed.pathname.replace(/^\//, '');
  const database = path === '' ? 0 : Number(path);
  if (!Number.isInteger(database) || database < 0)
    throw new InvalidArgumentError(`redisUrl: the database must be a number, got "${path}"`);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    database,
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    secure: parsed.protocol === 'rediss:',
  };
}

/** The Redis part of {@link resolveRedisOptions}. */
export function resolveRedisStreamOptions(
  options: RedisStreamOptions,
  consumerGroup: string,
): ResolvedRedisStreamOptions {
  const url = parseRedisUrl(options.redisUrl ?? 'redis://localhost:6379');
  const streamPrefix = options.streamPrefix ?? 'events';
  const dlqStreamSuffix = options.dlqStreamSuffix ?? '_dlq';
  for (const [name, value] of [
    ['streamPrefix', streamPrefix],
    ['dlqStreamSuffix', dlqStreamSuffix],
    ['consumerGroup', consumerGroup],
  ] as const) {
    if (typeof value !== 'string' || !KEY_PART.test(value))
      throw new InvalidArgumentError(
        `${name} must be 1 to 200 printable characters without spaces, got ${JSON.stringify(value)}`,
      );
  }
  const consumerName =
    options.consumerName ?? `${hostname()}-${randomUUID().replaceAll('-', '').slice(0, 8)}`;
  if (typeof consumerName !== 'string' || !KEY_PART.test(consumerName))
    throw new InvalidArgumentError(
      `consumerName must be 1 to 200 printable characters without spaces, got ${JSON.stringify(consumerName)}`,
    );
  const pendingIdleMs = integerOption('pendingIdleMs', options.pendingIdleMs, 60_000, 1);
  const maxLength =
    options.maxLength === undefined ? undefined : integerOption('maxLength', options.maxLength, 0, 1);
  const tls = options.tls ?? url.secure;
  if (typeof tls !== 'boolean' && (typeof tls !== 'object' || tls === null))
    throw new InvalidArgumentError('tls must be a boolean or tls.connect options');
  const maxReconnectDelayMs = integerOption('maxReconnectDelayMs', options.maxReconnectDelayMs, 2_000, 100);
  const stream = `${streamPrefix}:stream`;
  return {
    redisAddress: `${url.host}:${url.port}/${url.database}`,
    serverAddress: url.host,
    serverPort: url.port,
    stream,
    replayStream: (group) => `${stream}:replay:${group}`,
    dlqStream: `${stream}${dlqStreamSuffix}`,
    consumerName,
    batchSize: integerOption('batchSize', options.batchSize, 100, 1),
    blockMs: integerOption('blockMs', options.blockMs, 5_000, 1),
    maxLength,
    approximateTrimming: options.approximateTrimming ?? true,
    pendingIdleMs,
    claimIntervalMs: integerOption(
      'claimIntervalMs',
      options.claimIntervalMs,
      Math.max(1, Math.min(Math.floor(pendingIdleMs / 2), 5_000)),
      1,
    ),
    connection: {
      host: url.host,
      port: url.port,
      db: url.database,
      ...(url.username === undefined ? {} : { username: url.username }),
      ...(url.password === undefined ? {} : { password: url.password }),
      ...(tls === false ? {} : { tls: tls === true ? {} : tls }),
      connectTimeout: integerOption('connectTimeoutMs', options.connectTimeoutMs, 5_000, 1),
      socketTimeout: integerOption('socketTimeoutMs', options.socketTimeoutMs, 5_000, 1),
      maxRetriesPerRequest: integerOption('maxRetriesPerRequest', options.maxRetriesPerRequest, 20, 0),
      retryStrategy: (attempt: number) => Math.min(100 * attempt, maxReconnectDelayMs),
      lazyConnect: true,
      enableOfflineQueue: true,
      // How long closing waits for the socket to end before destroying it. ioredis arms this timer
      // even for a socket that already failed, and its 2 s default then keeps a closed bus's
      // process alive that long.
      disconnectTimeout: 200,
      connectionName: consumerName,
      ...options.redisOptions,
    },
  };
}
