import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, IHeaders, Kafka } from 'kafkajs';
import { serviceAddresses } from '@eventsource/services';
import { defineEvent, EventRegistry } from '@eventsource/core';
import type { KafkaEventBusOptions } from '../src/index.ts';

export const OrderCreated = defineEvent<
  { customerId: string; total: number; placedAt: Date },
  'OrderCreated'
>('OrderCreated', { aggregateType: 'Order' });
export const OrderShipped = defineEvent<{ carrier: string }, 'OrderShipped'>('OrderShipped', {
  aggregateType: 'Order',
});

export function orderRegistry(): EventRegistry {
  const registry = new EventRegistry();
  registry.register(OrderCreated);
  registry.register(OrderShipped);
  return registry;
}

export function orderCreated(aggregateId: string, total = 10) {
  return OrderCreated.create(
    { customerId: 'c-1', total, placedAt: new Date('2026-01-02T03:04:05.000Z') },
    { aggregateId },
  );
}

/** The broker the tests use (`EVENTSOURCE_KAFKA_BROKERS`, default 127.0.0.1:9092). */
export const brokers = serviceAddresses().kafkaBrokers;

/** A topic prefix no other test or run uses. */
export function uniquePrefix(name: string): string {
  return `test-${name}-${randomUUID().slice(0, 8)}`;
}

/**
 * Settings that keep group joins and rebalances quick against the single test broker (its
 * minimum session timeout is 6 s) and back-offs short.
 */
export function testOptions(prefix: string, overrides: KafkaEventBusOptions = {}): KafkaEventBusOptions {
  return {
    bootstrapServers: brokers,
    topicPrefix: prefix,
    consumerGroup: `${prefix}-group`,
    numPartitions: 3,
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 300,
    rebalanceTimeoutMs: 5_000,
    maxWaitTimeMs: 100,
    retryBaseDelayMs: 50,
    retryJitter: 0,
    shutdownTimeoutMs: 10_000,
    lagRefreshIntervalMs: 0,
    clientRetry: { retries: 3, initialRetryTime: 100 },
    ...overrides,
  };
}

/** A plain kafkajs client, to look at topics from outside the bus. */
export function rawKafka(): Kafka {
  return new kafkajs.Kafka({
    brokers: [...brokers],
    clientId: 'bus-kafka-tests',
    logLevel: kafkajs.logLevel.NOTHING,
  });
}

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = rawKafka().admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the topics a test created (main and DLQ), ignoring the ones that do not exist. */
export async function deleteTopics(prefix: string): Promise<void> {
  await withAdmin(async (admin) => {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  }).catch(() => undefined);
}

export interface RawMessage {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | undefined;
  readonly value: string | undefined;
  readonly headers: Record<string, string>;
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) text[name] = first.toString();
  }
  return text;
}

/** Reads `count` messages of `topic` from the beginning with a throwaway group. */
export async function readTopic(topic: string, count: number, timeoutMs = 15_000): Promise<RawMessage[]> {
  const consumer = rawKafka().consumer({
    groupId: `reader-${randomUUID()}`,
    sessionTimeout: 6_000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 100,
  });
  const messages: RawMessage[] = [];
  const enough = Promise.withResolvers<void>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        messages.push({
          partition,
          offset: message.offset,
          key: message.key?.toString(),
          value: message.value?.toString(),
          headers: textHeaders(message.headers),
        });
        if (messages.length >= count) enough.resolve();
      },
    });
    await Promise.race([
      enough.promise,
      sleepThenThrow(timeoutMs, `Expected ${count} messages on ${topic}, got ${messages.length}`),
    ]);
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

/** Sends raw messages, bypassing the bus (malformed input, foreign producers). */
export async function sendRaw(
  topic: string,
  messages: { key?: string; value: string; headers?: Record<string, string> }[],
): Promise<void> {
  const producer = rawKafka().producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

function sleepThenThrow(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}

// Importable outside jest (the fixture processes use this module too).
export { meterCapture, pointsOf, waitFor } from '@eventsource/testing/bus-helpers';
