import { afterAll, expect, it } from '@jest/globals';
import { defineEvent, registerEvent, type DomainEvent } from '@eventsource/core';
import { RabbitMQEventBus } from '../src/index.ts';
import { deleteTopology, rabbitmqUrl, uniqueExchange } from './support.ts';
import { readmeExample } from '../../../tooling/config/readme-example.ts';

const exchangeName = uniqueExchange('readme');

afterAll(() => deleteTopology(exchangeName, ['notifications']), 30_000);

it('runs the README usage example', async () => {
  const received = Promise.withResolvers<DomainEvent>();
  const log = (_message: string, event: DomainEvent) => received.resolve(event);
  // README example, from here:
  const ParcelShipped = registerEvent(
    defineEvent<{ carrier: string }, 'ParcelShipped'>('ParcelShipped', { aggregateType: 'Parcel' }),
  );

  await using bus = new RabbitMQEventBus({
    rabbitmqUrl,
    exchangeName,
    consumerGroup: 'notifications',
  });
  bus.subscribe(ParcelShipped, async (event) => log('parcel shipped', event));
  await bus.startConsuming();
  await bus.publish([ParcelShipped.create({ carrier: 'DHL' }, { aggregateId: 'parcel-7' })]);
  // README example, to here.

  const event = await received.promise;
  expect(event.aggregateId).toBe('parcel-7');
  expect(ParcelShipped.is(event) && event.data.carrier).toBe('DHL');
}, 30_000);

it('keeps the README example identical to the code above', () => {
  const { readme, test } = readmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url), {
    "rabbitmqUrl: 'amqp://guest:guest@localhost:5672'": 'rabbitmqUrl',
    "exchangeName: 'shipping'": 'exchangeName',
    "console.log('parcel shipped', event)": "log('parcel shipped', event)",
  });
  expect(readme).toBe(test);
});
