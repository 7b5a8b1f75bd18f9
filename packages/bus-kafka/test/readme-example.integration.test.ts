import { afterAll, expect, it } from '@jest/globals';
import { defineEvent, registerEvent, type DomainEvent } from '@eventsource/core';
import { KafkaEventBus } from '../src/index.ts';
import { brokers, deleteTopics, uniquePrefix } from './support.ts';
import { readmeExample } from '../../../tooling/config/readme-example.ts';

const topicPrefix = uniquePrefix('readme');

afterAll(() => deleteTopics(topicPrefix), 30_000);

it('runs the README usage example', async () => {
  const received = Promise.withResolvers<DomainEvent>();
  const log = (_message: string, event: DomainEvent) => received.resolve(event);
  // README example, from here:
  const OrderCreated = registerEvent(
    defineEvent<{ total: number }, 'OrderCreated'>('OrderCreated', { aggregateType: 'Order' }),
  );

  await using bus = new KafkaEventBus({
    bootstrapServers: brokers,
    topicPrefix,
    consumerGroup: 'projections',
  });
  bus.subscribe(OrderCreated, async (event) => log('order placed', event));
  await bus.startConsuming();
  await bus.publish([OrderCreated.create({ total: 42 }, { aggregateId: 'order-123' })]);
  // README example, to here.

  const event = await received.promise;
  expect(event.aggregateId).toBe('order-123');
  expect(OrderCreated.is(event) && event.data.total).toBe(42);
}, 30_000);

it('keeps the README example identical to the code above', () => {
  const { readme, test } = readmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url), {
    "bootstrapServers: 'localhost:9092'": 'bootstrapServers: brokers',
    "topicPrefix: 'orders'": 'topicPrefix',
    "console.log('order placed', event)": "log('order placed', event)",
  });
  expect(readme).toBe(test);
});
