import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { serviceAddresses } from '@eventsource/services';
import { defineEvent, EventRegistry } from '@eventsource/core';
import type { RedisEventBusOptions } from '../src/index.ts';

export const OrderPlaced = defineEvent<{ customerId: string; total: number; placedAt: Date }, 'OrderPlaced'>(
  'OrderPlaced',
  { aggregateType: 'Order' },
);
export const OrderShipped = defineEvent<{ carrier: string }, 'OrderShipped'>('OrderShipped', {
  aggregateType: 'Order',
});

export function orderRegistry(): EventRegistry {
  const registry = new EventRegistry();
  registry.register(OrderPlaced);
  registry.register(OrderShipped);
  return registry;
}

export function orderPlaced(aggregateId: string, total = 10) {
  return OrderPlaced.create(
    { customerId: 'c-1', total, placedAt: new Date('2026-01-02T03:04:05.000Z') },
    { aggregateId },
  );
}

/** The shared development Redis (`EVENTSOURCE_REDIS_URL`, default redis://127.0.0.1:6379). */
export const redisUrl = serviceAddresses().redisUrl;

/** A stream prefix no other test or run uses. */
export function uniquePrefix(name: string): string {
  return `test-${name}-${randomUUID().slice(0, 8)}`;
}

/** Quick settings for tests: short blocking reads, back-offs and takeover times. */
export function testOptions(prefix: string, overrides: RedisEventBusOptions = {}): RedisEventBusOptions {
  return {
    redisUrl,
    streamPrefix: prefix,
    consumerGroup: `${prefix}-group`,
    registry: orderRegistry(),
    blockMs: 200,
    retryBaseDelayMs: 50,
    retryJitter: 0,
    pendingIdleMs: 1_000,
    shutdownTimeoutMs: 5_000,
    ...overrides,
  };
}

/** A plain ioredis client, to look at streams from outside the bus. */
export function rawRedis(url = redisUrl): Redis {
  return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
}

/** Deletes every key of a test's prefix. */
export async function deleteStreams(prefix: string, url = redisUrl): Promise<void> {
  const redis = rawRedis(url);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } catch {
    // Best effort: keys are unique per test anyway.
  } finally {
    redis.disconnect();
  }
}

// Importable outside jest (fixture processes use this module too).
export { waitFor } from '@eventsource/testing/bus-helpers';
