import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaConfig, RetryOptions, SASLOptions } from 'kafkajs';
import { InvalidArgumentError } from '@eventsource/core';
import {
  integerOption,
  resolveEventBusOptions,
  type EventBusOptions,
  type ResolvedEventBusOptions,
} from '@eventsource/core/kit';

export type KafkaSecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export type KafkaSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export type KafkaCompressionType = 'none' | 'gzip';
export type KafkaAcks = 'all' | 0 | 1 | -1;

/**
 * Options of {@link KafkaEventBus}: the seed's `KafkaEventBusConfig` in camelCase, durations in
 * milliseconds. Every field is optional; the defaults are the seed's unless noted. The options every
 * bus shares (consumer group, retries, DLQ on/off, tracing, metrics, propagation, shutdown timeout,
 * registry, wire format) come from {@link EventBusOptions}.
 */
export interface KafkaEventBusOptions extends EventBusOptions {
  /** `host:port` brokers, as an array or comma-separated. Default `localhost:9092`. */
  readonly bootstrapServers?: string | readonly string[];
  /** The bus uses one topic, `${topicPrefix}.stream`. Default `events`. */
  readonly topicPrefix?: string;
  /** Client id shown by the broker. Default `${hostname}-${8 random hex}`. */
  readonly consumerName?: string;
  /** Producer acknowledgements. Default `all`. */
  readonly acks?: KafkaAcks;
  /** Default `gzip`, as in the seed; kafkajs supports `none` and `gzip` without extra codecs. */
  readonly compressionType?: KafkaCompressionType;
  /**
   * Most messages per produce request (kafkajs batches per `send`, not by bytes and linger as the
   * seed's client did): a larger `publish` is split. Default 1000.
   */
  readonly batchSize?: number;
  /** Where a new consumer group starts. Default `earliest`. */
  readonly autoOffsetReset?: 'earliest' | 'latest';
  /** Default 30000. */
  readonly sessionTimeoutMs?: number;
  /** Default 3000 (kafkajs' default; the seed's 10000 makes rebalances slow). */
  readonly heartbeatIntervalMs?: number;
  /**
   * How long members get to rejoin during a rebalance (the seed's `max_poll_interval_ms`): a member
   * busy in one handler call for longer is dropped from that generation and rejoins after it. It
   * also bounds how long a restarted member (kafkajs restart after a crash, or a new process after
   * kill -9) waits for its dead predecessor to leave the group. Default 8000, so such a member
   * resumes within 10 s of the broker answering (60000 before: it waited out the 30 s session).
   */
  readonly rebalanceTimeoutMs?: number;
  /** Longest a fetch waits for new messages; also bounds how long stopping takes. Default 1000. */
  readonly maxWaitTimeMs?: number;
  /** Partitions processed at once by this member; order within a partition is always kept. Default 1. */
  readonly partitionsConsumedConcurrently?: number;
  /** Dead letters go to `${topic}${dlqTopicSuffix}` (with `enableDlq`). Default `.dlq`. */
  readonly dlqTopicSuffix?: string;
  /**
   * Create the topic (and the DLQ topic) when missing, before the first publish or consume, instead
   * of relying on the broker's auto-creation (often off in production). Default true.
   */
  readonly ensureTopics?: boolean;
  /** Partitions of topics the bus creates. Default: the broker's `num.partitions`. */
  readonly numPartitions?: number;
  /** Replicas of topics the bus creates. Default: the broker's `default.replication.factor`. */
  readonly replicationFactor?: number;
  /** Default `PLAINTEXT`. */
  readonly securityProtocol?: KafkaSecurityProtocol;
  readonly saslMechanism?: KafkaSaslMechanism;
  readonly saslUsername?: string;
  readonly saslPassword?: string;
  /** PEM file paths, read when the bus is created. */
  readonly sslCaFile?: string;
  readonly sslCertFile?: string;
  readonly sslKeyFile?: string;
  /** Default true. */
  readonly sslCheckHostname?: boolean;
  /**
   * A kafkajs client to create producer, consumer and admin from (the bus still closes those). For
   * settings the options above do not cover, such as a custom socket factory or `retry`.
   */
  readonly kafka?: Kafka;
  /**
   * kafkajs retry settings: for the client the bus creates, and for its consumer (how long it
   * retries a failing fetch before it restarts, which counts as a reconnection).
   */
  readonly clientRetry?: RetryOptions;
  /** Default 10000. */
  readonly connectionTimeoutMs?: number;
  /** Default 30000. */
  readonly requestTimeoutMs?: number;
  /** How old a cached consumer-lag reading may be before a metrics collection refreshes it. Default 1000. */
  readonly lagRefreshIntervalMs?: number;

  // Kafka-specific recovery settings: offset commit cadence and riding out broker outages.

  /**
   * Commit the handled offsets after this many messages, even in the middle of a fetched batch
   * (kafkajs `autoCommitThreshold`). A member that dies (kill -9, OOM) is replaced by one that
   * redelivers what was handled but not committed: at most about this many messages (or
   * `commitIntervalMs` worth) per partition. One commit is one round trip between two messages
   * (about 1 ms on loopback, so some 10 µs a message at 100: little next to a handler's I/O).
   * Default 100. Whole fetched batches (up to 1 MB a partition: thousands of messages) are also
   * committed at their end, and on `stopConsuming`.
   */
  readonly commitEveryMessages?: number;
  /**
   * Commit the handled offsets once this long has passed since the last commit, checked after each
   * message (kafkajs `autoCommitInterval`); 0 commits after every message. Default 1000.
   */
  readonly commitIntervalMs?: number;
  /**
   * How long the clients the bus creates keep retrying a broker they cannot reach (kafkajs retries
   * every `reconnectBackoffMaxMs` at most), so that a broker restart is ridden out: the consumer
   * keeps its group membership and resumes about `reconnectBackoffMaxMs` after the broker answers
   * again, without a rebalance. Past this, kafkajs crashes and restarts the consumer as a new
   * member, which first waits for its old membership to expire (`rebalanceTimeoutMs` or
   * `sessionTimeoutMs`, whichever is shorter). kafkajs has one retry setting per client, so this
   * is also about how long `publish`, `connect`, `startConsuming` and the admin calls wait for an
   * unreachable broker (or a missing topic) before failing with `UnavailableError`, as Kafka's Java
   * clients do (`default.api.timeout.ms` 60 s). Default 60000. Ignored when `clientRetry` is set,
   * which then applies as given, and for a `kafka` client passed in, which keeps its own.
   */
  readonly brokerOutageToleranceMs?: number;
  /** Longest wait between two reconnection attempts. Default 1000 (as Kafka's Java client). */
  readonly reconnectBackoffMaxMs?: number;
}

/** The options with every default applied and checked. */
export interface ResolvedKafkaOptions extends ResolvedEventBusOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly dlqTopic: string;
  readonly clientId: string;
  readonly acks: -1 | 0 | 1;
  readonly compressionType: KafkaCompressionType;
  readonly batchSize: number;
  readonly fromBeginning: boolean;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly partitionsConsumedConcurrently: number;
  readonly maxWaitTimeMs: number;
  readonly ensureTopics: boolean;
  readonly numPartitions: number | undefined;
  readonly replicationFactor: number | undefined;
  readonly lagRefreshIntervalMs: number;
  readonly securityProtocol: KafkaSecurityProtocol;
  readonly clientRetry: RetryOptions | undefined;
  readonly commitEveryMessages: number;
  readonly commitIntervalMs: number;
  /** kafkajs retry of the client and consumer: `clientRetry`, or one derived from the outage tolerance. */
  readonly kafkajsRetry: RetryOptions;
}

/** Kafka's legal topic characters; the length limit leaves room for the DLQ suffix. */
const TOPIC_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

function brokersOf(servers: string | readonly string[] | undefined): string[] {
  const list =
    servers === undefined
      ? ['localhost:9092']
      : typeof servers === 'string'
        ? servers.split(',')
        : [...servers];
  const brokers = list.map((broker) => broker.trim()).filter((broker) => broker !== '');
  if (brokers.length === 0) throw new InvalidArgumentError('bootstrapServers must name at least one broker');
  for (const broker of brokers) {
    if (!/^[^\s:/@]+:\d{1,5}$/.test(broker))
      throw new InvalidArgumentError(`bootstrapServers: "${broker}" is not host:port`);
  }
  return brokers;
}

const ACKS = { all: -1, '-1': -1, '0': 0, '1': 1 } as const;

/** Applies defaults and rejects bad input with {@link InvalidArgumentError} before anything connects. */
export function resolveKafkaOptions(options: KafkaEventBusOptions): ResolvedKafkaOptions {
  const topicPrefix = options.topicPrefix ?? 'events';
  const topic = `${topicPrefix}.stream`;
  const dlqTopic = `${topic}${options.dlqTopicSuffix ?? '.dlq'}`;
  for (const [name, value] of [
    ['topicPrefix', topic],
    ['dlqTopicSuffix', dlqTopic],
  ] as const) {
    if (!TOPIC_PATTERN.test(value))
      throw new InvalidArgumentError(
        `${name} gives the invalid topic name "${value}" (letters, digits, ".", "_", "-")`,
      );
  }
  const shared = resolveEventBusOptions(options);
  const acks = ACKS[String(options.acks ?? 'all') as keyof typeof ACKS];
  if (acks === undefined)
    throw new InvalidArgumentError(`acks must be "all", -1, 0 or 1, got ${String(options.acks)}`);
  const compressionType = options.compressionType ?? 'gzip';
  if (compressionType !== 'none' && compressionType !== 'gzip') {
    throw new InvalidArgumentError(
      `compressionType must be "none" or "gzip" (kafkajs needs extra codecs for others), got ${String(compressionType)}`,
    );
  }
  const autoOffsetReset = options.autoOffsetReset ?? 'earliest';
  if (autoOffsetReset !== 'earliest' && autoOffsetReset !== 'latest')
    throw new InvalidArgumentError('autoOffsetReset must be "earliest" or "latest"');
  const sessionTimeoutMs = integerOption('sessionTimeoutMs', options.sessionTimeoutMs, 30_000);
  const heartbeatIntervalMs = integerOption('heartbeatIntervalMs', options.heartbeatIntervalMs, 3_000);
  if (heartbeatIntervalMs >= sessionTimeoutMs)
    throw new InvalidArgumentError('heartbeatIntervalMs must be lower than sessionTimeoutMs');
  validateSecurity(options);
  return {
    ...shared,
    brokers: brokersOf(options.bootstrapServers),
    topic,
    dlqTopic,
    clientId: options.consumerName ?? `${hostname()}-${randomUUID().replaceAll('-', '').slice(0, 8)}`,
    acks,
    compressionType,
    batchSize: integerOption('batchSize', options.batchSize, 1_000),
    fromBeginning: autoOffsetReset === 'earliest',
    sessionTimeoutMs,
    heartbeatIntervalMs,
    rebalanceTimeoutMs: integerOption('rebalanceTimeoutMs', options.rebalanceTimeoutMs, 8_000),
    partitionsConsumedConcurrently: integerOption(
      'partitionsConsumedConcurrently',
      options.partitionsConsumedConcurrently,
      1,
    ),
    maxWaitTimeMs: integerOption('maxWaitTimeMs', options.maxWaitTimeMs, 1_000, 0),
    ensureTopics: options.ensureTopics ?? true,
    numPartitions:
      options.numPartitions === undefined
        ? undefined
        : integerOption('numPartitions', options.numPartitions, 1),
    replicationFactor:
      options.replicationFactor === undefined
        ? undefined
        : integerOption('replicationFactor', options.replicationFactor, 1),
    lagRefreshIntervalMs: integerOption('lagRefreshIntervalMs', options.lagRefreshIntervalMs, 1_000, 0),
    securityProtocol: options.securityProtocol ?? 'PLAINTEXT',
    clientRetry: options.clientRetry,
    ...resolveRecoveryOptions(options),
  };
}

/** kafkajs' first retry delay; its back-off then doubles up to `reconnectBackoffMaxMs`. */
const FIRST_RETRY_DELAY_MS = 300;

function resolveRecoveryOptions(
  options: KafkaEventBusOptions,
): Pick<ResolvedKafkaOptions, 'commitEveryMessages' | 'commitIntervalMs' | 'kafkajsRetry'> {
  const toleranceMs = integerOption('brokerOutageToleranceMs', options.brokerOutageToleranceMs, 60_000, 0);
  const backoffMaxMs = integerOption('reconnectBackoffMaxMs', options.reconnectBackoffMaxMs, 1_000);
  return {
    commitEveryMessages: integerOption('commitEveryMessages', options.commitEveryMessages, 100),
    commitIntervalMs: integerOption('commitIntervalMs', options.commitIntervalMs, 1_000, 0),
    // Every field is given, so kafkajs' own defaults (which differ under NODE_ENV=test) never apply.
    kafkajsRetry: options.clientRetry ?? {
      initialRetryTime: Math.min(FIRST_RETRY_DELAY_MS, backoffMaxMs),
      maxRetryTime: backoffMaxMs,
      multiplier: 2,
      factor: 0.2,
      retries: Math.ceil(toleranceMs / backoffMaxMs),
    },
  };
}

function validateSecurity(options: KafkaEventBusOptions): void {
  const protocol = options.securityProtocol ?? 'PLAINTEXT';
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) {
    throw new InvalidArgumentError(
      `securityProtocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, got ${String(protocol)}`,
    );
  }
  if (protocol.startsWith('SASL')) {
    if (options.saslMechanism === undefined)
      throw new InvalidArgumentError(`securityProtocol ${protocol} needs saslMechanism`);
    if (!['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(options.saslMechanism)) {
      throw new InvalidArgumentError(
        `saslMechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got ${String(options.saslMechanism)}`,
      );
    }
    if (!options.saslUsername || !options.saslPassword)
      throw new InvalidArgumentError(`securityProtocol ${protocol} needs saslUsername and saslPassword`);
  }
  if ((options.sslCertFile === undefined) !== (options.sslKeyFile === undefined)) {
    throw new InvalidArgumentError('sslCertFile and sslKeyFile go together (mutual TLS needs both)');
  }
}

function readPem(name: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`${name}: cannot read ${path}`, { cause: error });
  }
}

/** The kafkajs client settings for these options (TLS files are read here). */
export function kafkaClientConfig(
  options: KafkaEventBusOptions,
  resolved: ResolvedKafkaOptions,
): Omit<KafkaConfig, 'logCreator' | 'logLevel'> {
  const protocol = resolved.securityProtocol;
  const useTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const ca = readPem('sslCaFile', options.sslCaFile);
  const cert = readPem('sslCertFile', options.sslCertFile);
  const key = readPem('sslKeyFile', options.sslKeyFile);
  const ssl = useTls
    ? {
        ...(ca === undefined ? {} : { ca }),
        ...(cert === undefined ? {} : { cert }),
        ...(key === undefined ? {} : { key }),
        ...(options.sslCheckHostname === false ? { checkServerIdentity: () => undefined } : {}),
      }
    : undefined;
  const sasl: SASLOptions | undefined = protocol.startsWith('SASL')
    ? ({
        mechanism: (options.saslMechanism ?? 'PLAIN').toLowerCase() as
          'plain' | 'scram-sha-256' | 'scram-sha-512',
        username: options.saslUsername ?? '',
        password: options.saslPassword ?? '',
      } as SASLOptions)
    : undefined;
  return {
    clientId: resolved.clientId,
    brokers: [...resolved.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: resolved.kafkajsRetry,
    ...(ssl === undefined ? {} : { ssl }),
    ...(sasl === undefined ? {} : { sasl }),
  };
}
