import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { serviceAddresses } from '@eventsource/services';
import { defineEvent, EventRegistry } from '@eventsource/core';
import type { RabbitMQEventBusOptions } from '../src/index.ts';

export const ParcelRegistered = defineEvent<{ weightKg: number }, 'ParcelRegistered'>('ParcelRegistered', {
  aggregateType: 'Parcel',
});
export const ParcelDelivered = defineEvent<{ signedBy: string }, 'ParcelDelivered'>('ParcelDelivered', {
  aggregateType: 'Parcel',
});

export function parcelRegistry(): EventRegistry {
  const registry = new EventRegistry();
  registry.register(ParcelRegistered);
  registry.register(ParcelDelivered);
  return registry;
}

export function parcelRegistered(aggregateId: string, weightKg = 1) {
  return ParcelRegistered.create({ weightKg }, { aggregateId });
}

/** The shared test broker (`EVENTSOURCE_RABBITMQ_URL`, default amqp://guest:guest@127.0.0.1:5672). */
export const rabbitmqUrl = serviceAddresses().rabbitmqUrl;

/** An exchange name no other test or run uses. */
export function uniqueExchange(name: string): string {
  return `test-${name}-${randomUUID().slice(0, 8)}`;
}

/** Quick back-offs and reconnects, so tests stay short. */
export function testOptions(
  exchangeName: string,
  overrides: RabbitMQEventBusOptions = {},
): RabbitMQEventBusOptions {
  return {
    rabbitmqUrl,
    exchangeName,
    consumerGroup: 'group',
    registry: parcelRegistry(),
    retryBaseDelayMs: 20,
    retryJitter: 0,
    reconnectDelayMs: 100,
    maxReconnectDelayMs: 1_000,
    shutdownTimeoutMs: 10_000,
    lagRefreshIntervalMs: 0,
    ...overrides,
  };
}

/** A plain amqplib connection, to look at the broker from outside the bus. */
export async function withChannel<T>(
  fn: (channel: amqplib.Channel) => Promise<T>,
  url = rabbitmqUrl,
): Promise<T> {
  const connection: ChannelModel = await amqplib.connect(url);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return await fn(channel);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Deletes the exchanges and queues a test made (`<exchange>`, `<exchange>.*`). */
export async function deleteTopology(
  exchange: string,
  groups: readonly string[],
  url = rabbitmqUrl,
): Promise<void> {
  await withChannel(async (channel) => {
    for (const group of groups) {
      const queue = `${exchange}.${group}`;
      await channel.deleteQueue(queue);
      await channel.deleteQueue(`${queue}.dlq`);
      await channel.deleteExchange(`${queue}_dlq`);
    }
    await channel.deleteExchange(exchange);
  }, url).catch(() => undefined);
}

/** Publishes raw bytes to the exchange, bypassing the bus (malformed input, foreign producers). */
export async function publishRaw(
  exchange: string,
  routingKey: string,
  value: string,
  headers: Record<string, string> = {},
  url = rabbitmqUrl,
): Promise<void> {
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    channel.publish(exchange, routingKey, Buffer.from(value), { persistent: true, headers });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

// Importable outside jest (fixture processes use this module too).
export { waitFor } from '@eventsource/testing/bus-helpers';

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Has the shared broker close one client connection, found by its connection name, as an
 * operator would with `rabbitmqctl close_connection` (management HTTP API). Waits for the
 * connection to show up in the management API first.
 */
export async function closeConnectionFromBroker(connectionName: string, timeoutMs = 15_000): Promise<void> {
  const { rabbitmqManagementUrl, rabbitmqUrl: url } = serviceAddresses();
  const { username, password } = new URL(url);
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(username)}:${decodeURIComponent(password)}`).toString('base64')}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${rabbitmqManagementUrl}/api/connections`, { headers: { authorization } });
    const connections = (await response.json()) as {
      name: string;
      client_properties?: { connection_name?: string };
    }[];
    const found = connections.find(
      (connection) => connection.client_properties?.connection_name === connectionName,
    );
    if (found !== undefined) {
      const closed = await fetch(
        `${rabbitmqManagementUrl}/api/connections/${encodeURIComponent(found.name)}`,
        {
          method: 'DELETE',
          headers: { authorization, 'x-reason': 'test closes the connection' },
        },
      );
      if (!closed.ok) throw new Error(`Closing ${connectionName} failed: HTTP ${closed.status}`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`No connection named ${connectionName} on the broker`);
    await delay(200);
  }
}

async function managementGet<T>(path: string): Promise<T> {
  const { rabbitmqManagementUrl, rabbitmqUrl: url } = serviceAddresses();
  const { username, password } = new URL(url);
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(username)}:${decodeURIComponent(password)}`).toString('base64')}`;
  const response = await fetch(`${rabbitmqManagementUrl}${path}`, { headers: { authorization } });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Deletes every queue and exchange whose name starts with one of `prefixes` (the contract's scopes). */
export async function deleteByPrefix(prefixes: readonly string[]): Promise<void> {
  const matches = (name: string) => prefixes.some((prefix) => name.startsWith(prefix));
  const queues = (await managementGet<{ name: string }[]>('/api/queues?columns=name')).filter((queue) =>
    matches(queue.name),
  );
  const exchanges = (await managementGet<{ name: string }[]>('/api/exchanges?columns=name')).filter(
    (exchange) => matches(exchange.name),
  );
  await withChannel(async (channel) => {
    for (const { name } of queues) await channel.deleteQueue(name);
    for (const { name } of exchanges) await channel.deleteExchange(name);
  });
}
