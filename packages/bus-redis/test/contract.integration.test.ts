import { eventBusContract } from '@eventsource/testing';
import type { RedisEventBus } from '../src/index.ts';
import { deleteStreams, rawRedis } from './support.ts';

eventBusContract({
  name: 'RedisEventBus',
  capabilities: {
    distributed: true,
    consumerGroups: true,
    perAggregateOrdering: false,
    deadLetters: true,
    dlqInspection: true,
    dlqReplay: true,
  },
  factoryModule: new URL('./bus-factory.ts', import.meta.url).href,
  async sendRaw(bus, value, headers) {
    const redis = rawRedis();
    try {
      await redis.xadd(
        (bus as RedisEventBus).streamName,
        '*',
        'payload',
        value,
        ...Object.entries(headers).flat(),
      );
    } finally {
      redis.disconnect();
    }
  },
  metricPrefix: 'redis',
  cleanup: async (scopes) => {
    await Promise.all(scopes.map((scope) => deleteStreams(scope)));
  },
});
