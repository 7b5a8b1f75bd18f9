import { serviceAddresses } from '@eventsource/services';
import { pick, type SuiteContext } from '../suite-context.ts';
import type { BusComparison } from './bus-workload.ts';
import { RawRedisDriver, RedisEventBusDriver, type RedisBenchSettings } from './redis-drivers.ts';

/** `redis.bus`: RedisEventBus against raw ioredis on the development Redis. */
export function redisComparison(context: SuiteContext): BusComparison {
  const redis: RedisBenchSettings = { redisUrl: serviceAddresses().redisUrl, readCount: 100, blockMs: 1000 };
  return {
    id: 'redis.bus',
    title: 'Redis Streams: publish in batches of 100 -> handled, end to end (RedisEventBus vs raw ioredis)',
    system: 'redis',
    target: 0.7,
    pacedP99TargetMs: 5,
    counts: pick(
      context,
      {
        // A round of 12,000 messages lasted about 0.2 s, short enough for the start of a run (the
        // consumer's first read, the heap after the forced collection) to move the ratio by 0.2
        // from round to round; 36,000 last about 0.5 s.
        messages: 36_000,
        batchSize: 100,
        warmupMessages: 10_000,
        rounds: 5,
        pacedRate: 5_000,
        pacedMessages: 5_000,
        pacedBatchSize: 1,
        timeoutMs: 60_000,
      },
      {
        messages: 50_000,
        batchSize: 100,
        warmupMessages: 10_000,
        rounds: 5,
        pacedRate: 5_000,
        pacedMessages: 25_000,
        pacedBatchSize: 1,
        timeoutMs: 120_000,
      },
    ),
    notes: [
      'Library: RedisEventBus (tracing off) publishing DomainEvents and a subscribed handler; it acknowledges each entry as soon as it is handled. Raw: ioredis pipelined XADD of hand-built JSON (an event_type field) and an XREADGROUP BLOCK loop parsing each entry and acknowledging the batch with one XACK. One process, Redis on loopback without persistence.',
    ],
    drivers: () => ({ raw: new RawRedisDriver(redis), library: new RedisEventBusDriver(redis) }),
  };
}
