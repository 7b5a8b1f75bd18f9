import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { InvalidArgumentError } from '@eventsource/core';
import {
  integerOption,
  resolveEventBusOptions,
  type EventBusOptions,
  type ResolvedEventBusOptions,
} from '@eventsource/core/kit';
import { passwordOf, redactUrl } from './redact-url.ts';

export type RabbitMQExchangeType = 'topic' | 'direct' | 'fanout';

/**
 * Options of {@link RabbitMQEventBus}: the seed's `RabbitMQEventBusConfig` in camelCase, durations
 * in milliseconds. Every field is optional; the defaults are the seed's unless noted.
 */
export interface RabbitMQEventBusOptions extends EventBusOptions {
  /** `amqp://` or `amqps://` URL. Default `amqp://guest:guest@localhost:5672/`. Its password is never shown. */
  readonly rabbitmqUrl?: string;
  /** The exchange every event is published to. Default `events`. */
  readonly exchangeName?: string;
  /** Default `topic`. `direct` needs `routingKeyPattern` (the keys to bind). */
  readonly exchangeType?: RabbitMQExchangeType;
  /**
   * Every group has its own durable queue `${exchangeName}.${consumerGroup}` and gets every event
   * it binds; the members of one group share that queue. Default `default`.
   */
  readonly consumerGroup?: string;
  /** Shown by the broker as the connection name and consumer tag. Default `${hostname}-${8 random hex}`. */
  readonly consumerName?: string;
  /** Unacknowledged messages one member holds at once (they are handled concurrently). Default 10. */
  readonly prefetchCount?: number;
  /**
   * Binding key(s) of the group's queue. Events are published with the routing key
   * `${aggregateType}.${eventType}`. Default: `#` for topic (every event), none needed for fanout;
   * required for direct (e.g. `['Order.OrderCreated']`).
   */
  readonly routingKeyPattern?: string | readonly string[];
  /** The group's dead-letter exchange is `${queue}${dlqExchangeSuffix}`, its queue `${queue}.dlq`. Default `_dlq`. */
  readonly dlqExchangeSuffix?: string;
  /** Dead letters older than this are dropped by the broker. Default: kept. */
  readonly dlqMessageTtlMs?: number;
  /** Most dead letters kept (the oldest are dropped). Default: unbounded. */
  readonly dlqMaxLength?: number;
  /** Exchanges and queues survive a broker restart. Default true. */
  readonly durable?: boolean;
  /** The group queue is deleted when its last member leaves. Default false. */
  readonly autoDelete?: boolean;
  /** First wait before reconnecting after the connection is lost. Default 1000. */
  readonly reconnectDelayMs?: number;
  /** The wait doubles per failed attempt up to this. Default 60000 (the seed never read it; this bus does). */
  readonly maxReconnectDelayMs?: number;
  /** AMQP heartbeat in seconds; 0 disables it. Default 60. */
  readonly heartbeatSeconds?: number;
  /** How long a connection attempt may take. Default 10000. */
  readonly connectionTimeoutMs?: number;
  /**
   * How long `publish` waits for the broker to confirm its messages (and for a full channel to
   * drain) before it rejects with `UnconfirmedPublishError` naming the ones not confirmed. A broker
   * under a resource alarm blocks publishers without closing anything; without a bound a publish
   * would wait until the alarm clears. Default 30000.
   */
  readonly publishTimeoutMs?: number;
  /** Extra TLS settings for `amqps://` (Node `tls.connect` options). */
  readonly sslOptions?: ConnectionOptions;
  /** Check the broker's certificate and host name. Default true. */
  readonly verifySsl?: boolean;
  /** PEM files, read when the bus is created; only with `amqps://`. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** How old a cached queue-depth reading may be before a metrics collection refreshes it. Default 1000. */
  readonly lagRefreshIntervalMs?: number;
}

/** The options with every default applied and checked. */
export interface ResolvedRabbitMQOptions {
  /** The options every bus shares. */
  readonly bus: ResolvedEventBusOptions;
  readonly url: string;
  /** The URL with its password masked: the only form that may be shown. */
  readonly safeUrl: string;
  readonly password: string | undefined;
  /** The user the URL logs in as (amqplib's default `guest` when it names none). */
  readonly username: string;
  readonly host: string;
  readonly port: number;
  readonly exchangeName: string;
  readonly exchangeType: RabbitMQExchangeType;
  readonly consumerGroup: string;
  readonly consumerName: string;
  readonly queueName: string;
  readonly dlqExchangeName: string;
  readonly dlqQueueName: string;
  readonly bindingKeys: readonly string[];
  readonly prefetchCount: number;
  readonly dlqMessageTtlMs: number | undefined;
  readonly dlqMaxLength: number | undefined;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly heartbeatSeconds: number;
  readonly connectionTimeoutMs: number;
  readonly publishTimeoutMs: number;
  readonly lagRefreshIntervalMs: number;
  /** Socket options handed to amqplib (TLS material included). */
  readonly socketOptions: Readonly<Record<string, unknown>>;
}

/** RabbitMQ names are at most 255 bytes; the limit leaves room for the suffixes this bus adds. */
const NAME_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

function optionalInteger(name: string, value: number | undefined, minimum: number): number | undefined {
  return value === undefined ? undefined : integerOption(name, value, minimum, minimum);
}

function checkName(name: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value))
    throw new InvalidArgumentError(
      `${name} must be 1-200 letters, digits, ".", "_", ":" or "-", got ${JSON.stringify(value)}`,
    );
  return value;
}

function parseUrl(url: unknown): URL {
  if (typeof url !== 'string') throw new InvalidArgumentError('rabbitmqUrl must be a string');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(`rabbitmqUrl is not a URL: ${redactUrl(url)}`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:')
    throw new InvalidArgumentError(`rabbitmqUrl must start with amqp:// or amqps://, got ${redactUrl(url)}`);
  if (parsed.hostname === '') throw new InvalidArgumentError(`rabbitmqUrl names no host: ${redactUrl(url)}`);
  return parsed;
}

function bindingKeysOf(
  type: RabbitMQExchangeType,
  pattern: string | readonly string[] | undefined,
): string[] {
  const keys = pattern === undefined ? [] : typeof pattern === 'string' ? [pattern] : [...pattern];
  for (const key of keys) {
    if (typeof key !== 'string' || key.length > 255)
      throw new InvalidArgumentError(`routingKeyPattern: ${JSON.stringify(key)} is not a routing key`);
  }
  if (type === 'fanout') return [''];
  if (keys.length > 0) return keys;
  if (type === 'topic') return ['#'];
  throw new InvalidArgumentError(
    'exchangeType "direct" needs routingKeyPattern: the `${aggregateType}.${eventType}` keys the group receives',
  );
}

function readPem(name: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InvalidArgumentError(`${name}: cannot read ${path}`, { cause: error });
  }
}

function socketOptionsOf(
  options: RabbitMQEventBusOptions,
  url: URL,
  timeoutMs: number,
): Record<string, unknown> {
  const tls = url.protocol === 'amqps:';
  const files = { caFile: options.caFile, certFile: options.certFile, keyFile: options.keyFile };
  const given = Object.entries(files).filter(([, value]) => value !== undefined);
  if (!tls && (given.length > 0 || options.sslOptions !== undefined))
    throw new InvalidArgumentError('caFile, certFile, keyFile and sslOptions need an amqps:// rabbitmqUrl');
  if ((options.certFile === undefined) !== (options.keyFile === undefined))
    throw new InvalidArgumentError('certFile and keyFile go together (mutual TLS needs both)');
  const socketOptions: Record<string, unknown> = { timeout: timeoutMs, ...(options.sslOptions ?? {}) };
  if (!tls) return socketOptions;
  const ca = readPem('caFile', options.caFile);
  const cert = readPem('certFile', options.certFile);
  const key = readPem('keyFile', options.keyFile);
  if (ca !== undefined) socketOptions.ca = [ca];
  if (cert !== undefined) socketOptions.cert = cert;
  if (key !== undefined) socketOptions.key = key;
  if (options.verifySsl === false) {
    socketOptions.rejectUnauthorized = false;
    socketOptions.checkServerIdentity = () => undefined;
  }
  return socketOptions;
}

const EXCHANGE_TYPES: readonly string[] = ['topic', 'direct', 'fanout'];

/** Applies defaults and rejects bad input with {@link InvalidArgumentError} before anything connects. */
export function resolveRabbitMQOptions(options: RabbitMQEventBusOptions): ResolvedRabbitMQOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError('RabbitMQEventBus options must be an object');
  const bus = resolveEventBusOptions(options);
  const url = options.rabbitmqUrl ?? 'amqp://guest:guest@localhost:5672/';
  const parsed = parseUrl(url);
  const exchangeName = checkName('exchangeName', options.exchangeName ?? 'events');
  const exchangeType = options.exchangeType ?? 'topic';
  if (!EXCHANGE_TYPES.includes(exchangeType))
    throw new InvalidArgumentError(
      `exchangeType must be "topic", "direct" or "fanout", got ${JSON.stringify(exchangeType)}`,
    );
  const consumerGroup = checkName('consumerGroup', options.consumerGroup ?? 'default');
  const queueName = `${exchangeName}.${consumerGroup}`;
  const dlqExchangeName = checkName(
    'dlqExchangeSuffix',
    `${queueName}${options.dlqExchangeSuffix ?? '_dlq'}`,
  );
  if (dlqExchangeName === queueName) throw new InvalidArgumentError('dlqExchangeSuffix must not be empty');
  const connectionTimeoutMs = integerOption('connectionTimeoutMs', options.connectionTimeoutMs, 10_000, 1);
  const reconnectDelayMs = integerOption('reconnectDelayMs', options.reconnectDelayMs, 1_000, 0);
  const maxReconnectDelayMs = integerOption('maxReconnectDelayMs', options.maxReconnectDelayMs, 60_000, 0);
  if (maxReconnectDelayMs < reconnectDelayMs)
    throw new InvalidArgumentError('maxReconnectDelayMs must be >= reconnectDelayMs');
  const consumerName =
    options.consumerName ?? `${hostname()}-${randomUUID().replaceAll('-', '').slice(0, 8)}`;
  if (typeof consumerName !== 'string' || consumerName.trim() === '')
    throw new InvalidArgumentError('consumerName must not be empty');
  return {
    bus,
    url,
    safeUrl: redactUrl(url),
    password: passwordOf(url),
    username: parsed.username === '' ? 'guest' : decodeURIComponent(parsed.username),
    host: parsed.hostname,
    port: parsed.port === '' ? (parsed.protocol === 'amqps:' ? 5671 : 5672) : Number(parsed.port),
    exchangeName,
    exchangeType,
    consumerGroup,
    consumerName,
    queueName,
    dlqExchangeName,
    dlqQueueName: `${queueName}.dlq`,
    bindingKeys: bindingKeysOf(exchangeType, options.routingKeyPattern),
    prefetchCount: integerOption('prefetchCount', options.prefetchCount, 10, 1),
    dlqMessageTtlMs: optionalInteger('dlqMessageTtlMs', options.dlqMessageTtlMs, 1),
    dlqMaxLength: optionalInteger('dlqMaxLength', options.dlqMaxLength, 1),
    durable: options.durable ?? true,
    autoDelete: options.autoDelete ?? false,
    reconnectDelayMs,
    maxReconnectDelayMs,
    heartbeatSeconds: integerOption('heartbeatSeconds', options.heartbeatSeconds, 60, 0),
    connectionTimeoutMs,
    publishTimeoutMs: integerOption('publishTimeoutMs', options.publishTimeoutMs, 30_000, 1),
    lagRefreshIntervalMs: integerOption('lagRefreshIntervalMs', options.lagRefreshIntervalMs, 1_000, 0),
    socketOptions: socketOptionsOf(options, parsed, connectionTimeoutMs),
  };
}
