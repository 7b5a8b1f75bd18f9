// A broker under a resource alarm blocks publishing connections without closing anything: a
// publish must end with a clear error after `publishTimeoutMs` instead of waiting for the alarm to
// clear, and everything must work again once it does. The alarm is raised on a node of this
// test's own (fixtures/rabbitmq-node.ts), started with a memory watermark it is already above.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { RabbitMQEventBus, UnconfirmedPublishError } from '../src/index.ts';
import { RabbitMQNode } from './fixtures/rabbitmq-node.ts';
import { ParcelRegistered, parcelRegistered, testOptions, uniqueExchange, waitFor } from './support.ts';

let node: RabbitMQNode;

beforeAll(async () => {
  node = await RabbitMQNode.create(() => ['vm_memory_high_watermark.absolute = 10MB']);
  await node.start();
}, 90_000);

afterAll(async () => {
  await node?.destroy();
}, 60_000);

it('rejects a publish the blocked broker does not confirm within publishTimeoutMs, then recovers', async () => {
  const options = testOptions(uniqueExchange('blocked'), {
    rabbitmqUrl: node.url,
    consumerGroup: 'blocked',
    publishTimeoutMs: 1_500,
  });
  await using publisher = new RabbitMQEventBus(options);
  await using consumer = new RabbitMQEventBus(options);
  const handled = new Set<string>();
  consumer.subscribe(ParcelRegistered, (event) => void handled.add(event.eventId));
  // Declaring and consuming are not blocked by the alarm; publishing is.
  await consumer.startConsuming();

  const blocked = [parcelRegistered('parcel-1'), parcelRegistered('parcel-2')];
  const started = performance.now();
  const error = await publisher.publish(blocked).catch((caught: unknown) => caught);
  const waitedMs = performance.now() - started;

  expect(error).toBeInstanceOf(UnconfirmedPublishError);
  const unconfirmed = (error as UnconfirmedPublishError).unconfirmed;
  expect(unconfirmed.map((message) => message.eventId)).toEqual(blocked.map((event) => event.eventId));
  for (const message of unconfirmed)
    expect(message.reason).toBe(
      'not confirmed within 1500 ms (the broker blocked the connection: low on memory)',
    );
  expect((error as Error).message).toContain('low on memory');
  expect(waitedMs).toBeGreaterThanOrEqual(1_450);
  expect(waitedMs).toBeLessThan(5_000);

  // The operator clears the alarm: new publishes are confirmed, and the two sent before it were
  // not lost either (unconfirmed means "not known to be stored", so they may arrive: at least once).
  await node.ctl('set_vm_memory_high_watermark', '0.8');
  const after = [parcelRegistered('parcel-3')];
  await publisher.publish(after);
  await waitFor(
    () => [...blocked, ...after].every((event) => handled.has(event.eventId)),
    'all three events handled after the alarm cleared',
  );
  console.info(
    JSON.stringify({ rejectedAfterMs: Math.round(waitedMs), deliveredAfterUnblock: handled.size }),
  );
}, 60_000);
