import { afterAll, expect, it } from '@jest/globals';
import { defineEvent, registerEvent, type DomainEvent } from '@eventsource/core';
import { RedisEventBus } from '../src/index.ts';
import { deleteStreams, redisUrl, uniquePrefix } from './support.ts';
import { readmeExample } from '../../../tooling/config/readme-example.ts';

const streamPrefix = uniquePrefix('readme');

afterAll(() => deleteStreams(streamPrefix), 30_000);

it('runs the README usage example', async () => {
  const received = Promise.withResolvers<DomainEvent>();
  const log = (_message: string, event: DomainEvent) => received.resolve(event);
  // README example, from here:
  const InvoicePaid = registerEvent(
    defineEvent<{ amount: number }, 'InvoicePaid'>('InvoicePaid', { aggregateType: 'Invoice' }),
  );

  await using bus = new RedisEventBus({
    redisUrl,
    streamPrefix,
    consumerGroup: 'ledger',
  });
  bus.subscribe(InvoicePaid, async (event) => log('invoice paid', event));
  await bus.startConsuming();
  await bus.publish([InvoicePaid.create({ amount: 120 }, { aggregateId: 'invoice-9' })]);
  // README example, to here.

  const event = await received.promise;
  expect(event.aggregateId).toBe('invoice-9');
  expect(InvoicePaid.is(event) && event.data.amount).toBe(120);
}, 30_000);

it('keeps the README example identical to the code above', () => {
  const { readme, test } = readmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url), {
    "redisUrl: 'redis://localhost:6379'": 'redisUrl',
    "streamPrefix: 'billing'": 'streamPrefix',
    "console.log('invoice paid', event)": "log('invoice paid', event)",
  });
  expect(readme).toBe(test);
});
