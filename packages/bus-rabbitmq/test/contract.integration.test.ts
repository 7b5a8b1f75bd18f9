import { eventBusContract } from '@eventsource/testing';
import type { RabbitMQEventBus } from '../src/index.ts';
import { deleteByPrefix, publishRaw } from './support.ts';

eventBusContract({
  name: 'RabbitMQEventBus',
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
    // What a foreign producer would send: the routing key only as good as its headers.
    const routingKey = `${headers.aggregate_type ?? 'Unknown'}.${headers.event_type ?? 'unknown'}`;
    await publishRaw((bus as RabbitMQEventBus).exchangeName, routingKey, value, headers);
  },
  metricPrefix: 'rabbitmq',
  cleanup: (scopes) => deleteByPrefix(scopes),
});
