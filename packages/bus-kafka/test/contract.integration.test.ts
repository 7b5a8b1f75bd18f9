import { eventBusContract } from '@eventsource/testing';
import type { KafkaEventBus } from '../src/index.ts';
import { deleteTopics, sendRaw } from './support.ts';

eventBusContract({
  name: 'KafkaEventBus',
  capabilities: {
    distributed: true,
    consumerGroups: true,
    perAggregateOrdering: true,
    deadLetters: true,
    dlqInspection: true,
    dlqReplay: false,
  },
  factoryModule: new URL('./bus-factory.ts', import.meta.url).href,
  sendRaw: (bus, value, headers) =>
    sendRaw((bus as KafkaEventBus).topicName, [{ key: 'contract-raw', value, headers }]),
  metricPrefix: 'kafka',
  cleanup: async (scopes) => {
    await Promise.all(scopes.map((scope) => deleteTopics(scope)));
  },
});
