import type { ServiceAddresses } from './addresses.ts';
import type { ServiceName } from './service-names.ts';

/**
 * Real health probes, through the same client libraries the adapters use: each one proves the
 * service does its job for a client (a query, a command, a broker round trip), not merely that a
 * port is open. A probe resolves when healthy and rejects with the reason otherwise; it never
 * takes much longer than `probeTimeoutMs`, so callers can poll it.
 */
export const probeTimeoutMs = 5000;

function withTimeout<T>(work: Promise<T>, what: string, timeoutMs = probeTimeoutMs): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** `select 1` as the configured user on the configured database. */
async function probePostgres(addresses: ServiceAddresses): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString: addresses.postgresUrl,
    connectionTimeoutMillis: probeTimeoutMs,
  });
  client.on('error', () => {});
  try {
    await withTimeout(client.connect(), 'connect');
    const result = await withTimeout(client.query<{ one: number }>('select 1 as one'), 'select 1');
    if (result.rows[0]?.one !== 1) throw new Error('select 1 did not return 1');
  } finally {
    await client.end().catch(() => {});
  }
}

/** PING answered with PONG. */
async function probeRedis(addresses: ServiceAddresses): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(addresses.redisUrl, {
    lazyConnect: true,
    connectTimeout: probeTimeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  try {
    await withTimeout(client.connect(), 'connect');
    const reply = await withTimeout(client.ping(), 'PING');
    if (reply !== 'PONG') throw new Error(`PING answered ${reply}`);
  } finally {
    client.disconnect();
  }
}

/** An AMQP connection and a channel opened on it. */
async function probeRabbitmq(addresses: ServiceAddresses): Promise<void> {
  const { default: amqplib } = await import('amqplib');
  const connection = await withTimeout(
    amqplib.connect(addresses.rabbitmqUrl, { timeout: probeTimeoutMs }),
    'connect',
  );
  connection.on('error', () => {});
  try {
    const channel = await withTimeout(connection.createChannel(), 'open a channel');
    await channel.close();
  } finally {
    await connection.close().catch(() => {});
  }
}

/**
 * Cluster metadata, then the group coordinator for a probe group: consumer groups only work once
 * the broker has created and loaded `__consumer_offsets`, so a broker that merely answers
 * metadata is not yet healthy for the tests.
 */
async function probeKafka(addresses: ServiceAddresses): Promise<void> {
  const { default: kafkajs } = await import('kafkajs');
  const kafka = new kafkajs.Kafka({
    clientId: 'eventsource-services-probe',
    brokers: [...addresses.kafkaBrokers],
    connectionTimeout: 2000,
    requestTimeout: probeTimeoutMs,
    retry: { retries: 0 },
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await withTimeout(admin.connect(), 'connect');
    const cluster = await withTimeout(admin.describeCluster(), 'describe the cluster');
    if (cluster.brokers.length === 0) throw new Error('the cluster has no brokers');
    await withTimeout(admin.describeGroups(['eventsource-services-probe']), 'find the group coordinator');
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** The query API lists services (an empty list is fine). */
async function probeJaeger(addresses: ServiceAddresses): Promise<void> {
  const response = await fetch(`${addresses.jaegerQueryUrl}/api/v3/services`, {
    signal: AbortSignal.timeout(probeTimeoutMs),
  });
  if (!response.ok) throw new Error(`GET /api/v3/services answered HTTP ${response.status}`);
  const body: unknown = await response.json();
  if (typeof body !== 'object' || body === null)
    throw new Error('GET /api/v3/services did not answer a JSON object');
}

export const healthProbes: Record<ServiceName, (addresses: ServiceAddresses) => Promise<void>> = {
  postgres: probePostgres,
  redis: probeRedis,
  rabbitmq: probeRabbitmq,
  kafka: probeKafka,
  jaeger: probeJaeger,
};

/** Runs a probe and turns the outcome into a value: undefined when healthy, else the reason. */
export async function probeFailure(
  name: ServiceName,
  addresses: ServiceAddresses,
): Promise<string | undefined> {
  try {
    await healthProbes[name](addresses);
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message || error.name : String(error);
    return reason.split('\n')[0];
  }
}
