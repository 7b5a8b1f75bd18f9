import { afterAll, describe, expect, it } from '@jest/globals';
import { ClosedError, defineEvent, DLQReasons, UnavailableError, type DomainEvent } from '@eventsource/core';
import { encodeEvent } from '@eventsource/core/kit';

import { RabbitMQEventBus, UnconfirmedPublishError } from '../src/index.ts';
import {
  delay,
  deleteTopology,
  ParcelDelivered,
  ParcelRegistered,
  parcelRegistered,
  publishRaw,
  testOptions,
  uniqueExchange,
  waitFor,
  withChannel,
} from './support.ts';

const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
}, 30_000);

/** A bus closed and whose topology is deleted after the file's tests. */
function bus(
  exchange: string,
  group: string,
  overrides: Parameters<typeof testOptions>[1] = {},
): RabbitMQEventBus {
  const created = new RabbitMQEventBus(testOptions(exchange, { consumerGroup: group, ...overrides }));
  cleanups.unshift(async () => {
    await created.close();
    await deleteTopology(exchange, [group]);
  });
  return created;
}

describe('RabbitMQEventBus', () => {
  it('publishes persistent, confirmed messages with the routing key and headers, and consumes them', async () => {
    const exchange = uniqueExchange('wire');
    const consumer = bus(exchange, 'projections');
    const received: DomainEvent[] = [];
    consumer.subscribe(ParcelRegistered, (event) => void received.push(event));
    await consumer.startConsuming();
    const raw = await withChannel(async (channel) => {
      const { queue } = await channel.assertQueue('', { exclusive: false, autoDelete: false });
      await channel.bindQueue(queue, exchange, '#');
      return queue;
    });
    cleanups.push(() => withChannel(async (channel) => void (await channel.deleteQueue(raw))));

    const event = parcelRegistered('parcel-1', 3);
    await consumer.publish([event]);
    await waitFor(() => received.length === 1, 'the event was handled');
    expect(received[0]).toMatchObject({
      eventId: event.eventId,
      aggregateId: 'parcel-1',
      data: { weightKg: 3 },
    });

    const message = await withChannel(async (channel) => channel.get(raw, { noAck: true }));
    if (message === false) throw new Error('no copy on the raw queue');
    expect(message.fields.routingKey).toBe('Parcel.ParcelRegistered');
    expect(message.properties.deliveryMode).toBe(2);
    expect(message.properties.messageId).toBe(event.eventId);
    expect(message.properties.headers).toMatchObject({
      event_type: 'ParcelRegistered',
      event_id: event.eventId,
      aggregate_type: 'Parcel',
      aggregate_id: 'parcel-1',
    });
  }, 30_000);

  it('gives every group every event and shares a group queue between its members', async () => {
    const exchange = uniqueExchange('groups');
    const first = bus(exchange, 'shipping', { prefetchCount: 2 });
    const second = bus(exchange, 'shipping', { prefetchCount: 2 });
    const billing = bus(exchange, 'billing');
    const counts = { first: 0, second: 0, billing: 0 };
    first.subscribe(ParcelRegistered, async () => {
      counts.first += 1;
      await delay(5);
    });
    second.subscribe(ParcelRegistered, async () => {
      counts.second += 1;
      await delay(5);
    });
    billing.subscribe(ParcelRegistered, () => void (counts.billing += 1));
    await Promise.all([first.startConsuming(), second.startConsuming(), billing.startConsuming()]);

    await billing.publish(Array.from({ length: 40 }, (_, index) => parcelRegistered(`parcel-${index}`)));
    await waitFor(() => counts.first + counts.second === 40 && counts.billing === 40, 'both groups got all');
    expect(counts.first).toBeGreaterThan(0);
    expect(counts.second).toBeGreaterThan(0);
    await delay(200);
    expect(counts).toEqual({ first: counts.first, second: 40 - counts.first, billing: 40 });
  }, 30_000);

  it('retries in place with real back-off, never re-delivering the retry to another group', async () => {
    const exchange = uniqueExchange('retry');
    const failing = bus(exchange, 'flaky', { retryBaseDelayMs: 150, maxRetries: 3 });
    const other = bus(exchange, 'steady');
    const attempts: number[] = [];
    let steady = 0;
    failing.subscribe(ParcelRegistered, () => {
      attempts.push(performance.now());
      if (attempts.length < 3) throw new Error('not yet');
    });
    other.subscribe(ParcelRegistered, () => void (steady += 1));
    await Promise.all([failing.startConsuming(), other.startConsuming()]);

    await failing.publish([parcelRegistered('parcel-r')]);
    await waitFor(() => attempts.length === 3, 'three attempts');
    await delay(300);
    expect(attempts).toHaveLength(3);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(140);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(280);
    expect(steady).toBe(1);
    expect(await failing.dlqMessageCount()).toBe(0);
  }, 30_000);

  it('dead-letters to the group DLQ with reasons, goes on consuming, and replays to this group only', async () => {
    const exchange = uniqueExchange('dlq');
    const failing = bus(exchange, 'broken', { maxRetries: 1 });
    const other = bus(exchange, 'healthy');
    let broken = true;
    const handled: string[] = [];
    let otherCount = 0;
    failing.subscribe(ParcelRegistered, (event) => {
      if (broken && event.aggregateId === 'parcel-bad') throw new TypeError('label unreadable');
      handled.push(event.aggregateId);
    });
    other.subscribe(ParcelRegistered, () => void (otherCount += 1));
    await Promise.all([failing.startConsuming(), other.startConsuming()]);

    await failing.publish([parcelRegistered('parcel-bad')]);
    await publishRaw(exchange, 'Parcel.ParcelRegistered', '{not json', { event_type: 'ParcelRegistered' });
    // An event of a type this consumer's registry does not know, without the event_type header.
    const lost = defineEvent<{ at: string }, 'ParcelLost'>('ParcelLost', { aggregateType: 'Parcel' });
    await publishRaw(
      exchange,
      'Parcel.ParcelLost',
      encodeEvent(lost.create({ at: 'depot' }, { aggregateId: 'p' })),
    );
    await failing.publish([parcelRegistered('parcel-good')]);
    await waitFor(() => handled.includes('parcel-good'), 'consumption went on');
    await waitFor(async () => (await failing.dlqMessageCount()) === 3, 'three dead letters');

    const letters = await failing.readDlq({ limit: 10 });
    expect(letters.map((letter) => letter.reason).sort()).toEqual(
      [DLQReasons.deserializationError, DLQReasons.maxRetriesExceeded, DLQReasons.unknownEventType].sort(),
    );
    const exhausted = letters.find((letter) => letter.reason === DLQReasons.maxRetriesExceeded)!;
    expect(exhausted.key).toBe('parcel-bad');
    expect(exhausted.headers).toMatchObject({
      dlq_error_type: 'TypeError',
      dlq_error_message: 'label unreadable',
      dlq_retry_count: '1',
      dlq_consumer_group: 'broken',
      dlq_original_routing_key: 'Parcel.ParcelRegistered',
    });
    expect(await failing.dlqMessageCount()).toBe(3);

    broken = false;
    const otherBefore = otherCount;
    expect(await failing.replayDlq({ limit: 1 })).toBe(1);
    await waitFor(() => handled.includes('parcel-bad'), 'the replayed event was handled');
    await delay(300);
    expect(otherCount).toBe(otherBefore);
    expect(await failing.dlqMessageCount()).toBe(2);
  }, 30_000);

  it('drains in-flight handlers on stop, then acknowledges them', async () => {
    const exchange = uniqueExchange('drain');
    const consumer = bus(exchange, 'slow');
    const started = Promise.withResolvers<void>();
    let finished = false;
    consumer.subscribe(ParcelRegistered, async () => {
      started.resolve();
      await delay(500);
      finished = true;
    });
    await consumer.startConsuming();
    await consumer.publish([parcelRegistered('parcel-slow')]);
    await started.promise;
    await consumer.stopConsuming();
    expect(finished).toBe(true);
    const depth = await withChannel(async (channel) => channel.checkQueue(consumer.queueName));
    expect(depth.messageCount).toBe(0);
  }, 30_000);

  it('ignores events it has no handler for and delivers to handlers subscribed later', async () => {
    const exchange = uniqueExchange('late');
    const consumer = bus(exchange, 'late');
    await consumer.startConsuming();
    await consumer.publish([ParcelDelivered.create({ signedBy: 'A' }, { aggregateId: 'parcel-x' })]);
    const received = Promise.withResolvers<DomainEvent>();
    consumer.subscribe(ParcelDelivered, (event) => received.resolve(event));
    await consumer.publish([ParcelDelivered.create({ signedBy: 'B' }, { aggregateId: 'parcel-y' })]);
    expect((await received.promise).aggregateId).toBe('parcel-y');
  }, 30_000);

  it('rejects a publish the broker cannot confirm with an error naming the events, password hidden', async () => {
    const unreachable = new RabbitMQEventBus(
      testOptions(uniqueExchange('down'), {
        rabbitmqUrl: 'amqp://guest:s3cret-pass@127.0.0.1:1/',
        connectionTimeoutMs: 1_000,
      }),
    );
    const event = parcelRegistered('parcel-lost');
    const error = await unreachable.publish([event]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnconfirmedPublishError);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnconfirmedPublishError).unconfirmed).toEqual([
      { eventId: event.eventId, eventType: 'ParcelRegistered', reason: 'not sent: broker unreachable' },
    ]);
    expect((error as Error).message).toContain(event.eventId);
    expect(JSON.stringify(error)).not.toContain('s3cret');
    expect(String((error as Error).message)).not.toContain('s3cret');
    await unreachable.close();
    await expect(unreachable.publish([event])).rejects.toBeInstanceOf(ClosedError);
  }, 30_000);
});
