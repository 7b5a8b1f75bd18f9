import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { ClosedError, defineEvent, DLQReasons, UnavailableError, type DomainEvent } from '@eventsource/core';
import { encodeEvent } from '@eventsource/core/kit';
import { captureTelemetry, type TelemetryCapture } from '@eventsource/testing';
import { KafkaEventBus } from '../src/index.ts';
import {
  deleteTopics,
  OrderCreated,
  orderCreated,
  orderRegistry,
  OrderShipped,
  readTopic,
  sendRaw,
  testOptions,
  uniquePrefix,
  waitFor,
  withAdmin,
} from './support.ts';

let telemetry: TelemetryCapture;
const prefixes: string[] = [];
const buses: KafkaEventBus[] = [];

function newBus(prefix: string, overrides: Parameters<typeof testOptions>[1] = {}): KafkaEventBus {
  const bus = new KafkaEventBus(testOptions(prefix, { registry: orderRegistry(), ...overrides }));
  buses.push(bus);
  return bus;
}

function newPrefix(name: string): string {
  const prefix = uniquePrefix(name);
  prefixes.push(prefix);
  return prefix;
}

beforeAll(() => {
  telemetry = captureTelemetry();
});

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
}, 30_000);

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteTopics(prefix)));
  await telemetry.shutdown();
}, 30_000);

describe('KafkaEventBus against a real broker', () => {
  it('publishes in batches: key = aggregate id, event and W3C trace headers, per-aggregate order', async () => {
    const prefix = newPrefix('publish');
    const bus = newBus(prefix);
    const events = [
      orderCreated('order-a', 1),
      orderCreated('order-b', 2),
      OrderShipped.create({ carrier: 'ups' }, { aggregateId: 'order-a', aggregateVersion: 2 }),
    ];
    await bus.publish(events);
    const messages = await readTopic(bus.topicName, 3);
    expect(messages.map((message) => message.key).sort()).toEqual(['order-a', 'order-a', 'order-b']);
    const forA = messages.filter((message) => message.key === 'order-a');
    expect(new Set(forA.map((message) => message.partition)).size).toBe(1);
    expect(forA.map((message) => message.headers.event_type)).toEqual(['OrderCreated', 'OrderShipped']);
    for (const [index, event] of events.entries()) {
      const message = messages.find((candidate) => candidate.headers.event_id === event.eventId)!;
      expect(message.headers).toMatchObject({ event_type: event.eventType, aggregate_type: 'Order' });
      expect(message.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(message.value).toBe(encodeEvent(events[index]!));
    }
  });

  it('splits a publish larger than batchSize into several produce requests', async () => {
    const prefix = newPrefix('batches');
    const bus = newBus(prefix, { batchSize: 2 });
    await bus.publish(Array.from({ length: 5 }, (_, index) => orderCreated(`order-${index}`)));
    expect(await readTopic(bus.topicName, 5)).toHaveLength(5);
  });

  it('delivers to subscribe, subscribeAll and stops after unsubscribe; dates survive', async () => {
    const prefix = newPrefix('subscribe');
    const publisher = newBus(prefix);
    const consumer = newBus(prefix);
    const created: DomainEvent[] = [];
    const everything: DomainEvent[] = [];
    const onCreated = (event: DomainEvent) => void created.push(event);
    consumer.subscribe(OrderCreated, onCreated);
    consumer.subscribeAll((event) => void everything.push(event));
    await consumer.startConsuming();
    const first = orderCreated('order-1');
    await publisher.publish([
      first,
      OrderShipped.create({ carrier: 'dhl' }, { aggregateId: 'order-1', aggregateVersion: 2 }),
    ]);
    await waitFor(() => everything.length === 2, 'both events reach the wildcard handler');
    expect(created).toHaveLength(1);
    expect(created[0]).toEqual(first);
    expect((created[0]!.data as { placedAt: Date }).placedAt).toBeInstanceOf(Date);
    expect(consumer.unsubscribe(OrderCreated, onCreated)).toBe(true);
    expect(consumer.unsubscribe(OrderCreated, onCreated)).toBe(false);
    await publisher.publish([orderCreated('order-2')]);
    await waitFor(() => everything.length === 3, 'the third event arrives');
    expect(created).toHaveLength(1);
  });

  it('gives every consumer group every event, and splits partitions between members of one group', async () => {
    const prefix = newPrefix('groups');
    const publisher = newBus(prefix);
    const received = { first: [] as string[], second: [] as string[], other: [] as string[] };
    const partitions = { first: new Set<string>(), second: new Set<string>() };
    const member = (name: 'first' | 'second' | 'other', group: string) => {
      const bus = newBus(prefix, { consumerGroup: group });
      bus.subscribe(OrderCreated, (event) => void received[name].push(event.aggregateId));
      return bus;
    };
    const first = member('first', `${prefix}-projections`);
    const second = member('second', `${prefix}-projections`);
    const other = member('other', `${prefix}-notifications`);
    await first.startConsuming();
    await second.startConsuming();
    await other.startConsuming();
    const ids = Array.from({ length: 30 }, (_, index) => `order-${index}`);
    await publisher.publish(ids.map((id) => orderCreated(id)));
    await waitFor(
      () => received.first.length + received.second.length === 30 && received.other.length === 30,
      'all events in both groups',
    );
    expect([...received.first, ...received.second].sort()).toEqual([...ids].sort());
    expect([...received.other].sort()).toEqual([...ids].sort());
    expect(received.first.length).toBeGreaterThan(0);
    expect(received.second.length).toBeGreaterThan(0);
    const messages = await readTopic(publisher.topicName, 30);
    for (const message of messages) {
      if (received.first.includes(message.key!)) partitions.first.add(String(message.partition));
      if (received.second.includes(message.key!)) partitions.second.add(String(message.partition));
    }
    expect([...partitions.first].filter((partition) => partitions.second.has(partition))).toEqual([]);
  });

  it('retries with back-off that really waits, then dead-letters with reason headers and goes on', async () => {
    const prefix = newPrefix('retry');
    const publisher = newBus(prefix);
    const consumer = newBus(prefix, { maxRetries: 2, retryBaseDelayMs: 150, numPartitions: 1 });
    const attempts: number[] = [];
    const handled: string[] = [];
    consumer.subscribe(OrderCreated, function OrderProjection(event) {
      if (event.aggregateId === 'poison') {
        attempts.push(performance.now());
        throw new TypeError('cannot project poison');
      }
      handled.push(event.aggregateId);
    });
    await consumer.startConsuming();
    const poison = orderCreated('poison');
    await publisher.publish([poison, orderCreated('after-poison')]);
    await waitFor(
      () => handled.includes('after-poison'),
      'the next event is handled after the poison one',
      20_000,
    );
    expect(attempts).toHaveLength(3);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(140);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(290);
    const [dead] = await readTopic(consumer.dlqTopicName, 1);
    expect(dead!.key).toBe('poison');
    expect(dead!.value).toBe(encodeEvent(poison));
    expect(dead!.headers).toMatchObject({
      dlq_reason: DLQReasons.maxRetriesExceeded,
      dlq_error_type: 'TypeError',
      dlq_error_message: 'cannot project poison',
      dlq_retry_count: '2',
      dlq_original_topic: consumer.topicName,
      dlq_original_partition: '0',
      dlq_original_offset: '0',
      dlq_consumer_group: consumer.consumerGroup,
      event_type: 'OrderCreated',
      event_id: poison.eventId,
    });
    expect(dead!.headers.traceparent).toBeDefined();
    expect(Number.isNaN(Date.parse(dead!.headers.dlq_timestamp!))).toBe(false);
  });

  it('dead-letters malformed and unknown messages at once and keeps consuming', async () => {
    const prefix = newPrefix('malformed');
    const consumer = newBus(prefix, { numPartitions: 1 });
    const handled: string[] = [];
    consumer.subscribe(OrderCreated, (event) => void handled.push(event.aggregateId));
    consumer.subscribe('Mystery', () => undefined);
    await consumer.startConsuming();
    const Mystery = defineEvent<{ x: number }, 'Mystery'>('Mystery', { aggregateType: 'Order' });
    await sendRaw(consumer.topicName, [
      { key: 'm-1', value: '{ this is not json', headers: { event_type: 'OrderCreated' } },
      {
        key: 'm-2',
        value: encodeEvent(Mystery.create({ x: 1 }, { aggregateId: 'm-2' })),
        headers: { event_type: 'Mystery' },
      },
      { key: 'm-3', value: 'no headers at all' },
      { key: 'm-4', value: '{"ignored":true}', headers: { event_type: 'NobodyListens' } },
      { key: 'good', value: encodeEvent(orderCreated('good')), headers: { event_type: 'OrderCreated' } },
    ]);
    await waitFor(() => handled.includes('good'), 'the good event after the bad ones is handled');
    const dead = await readTopic(consumer.dlqTopicName, 3);
    expect(dead.map((message) => [message.key, message.headers.dlq_reason])).toEqual([
      ['m-1', DLQReasons.deserializationError],
      ['m-2', DLQReasons.unknownEventType],
      ['m-3', DLQReasons.deserializationError],
    ]);
    expect(dead[1]!.headers.dlq_error_type).toBe('EventTypeNotFoundError');
    expect(await consumer.dlqMessageCount()).toBe(3);
    const inspected = await consumer.readDlq();
    expect(inspected.map((message) => [message.key, message.reason])).toEqual(
      dead.map((message) => [message.key, message.headers.dlq_reason]),
    );
    expect(inspected[0]).toMatchObject({ partition: 0, offset: '0', value: '{ this is not json' });
    expect(await consumer.readDlq({ limit: 1 })).toHaveLength(1);
  });

  it('with the DLQ off, logs and skips what cannot be handled, and creates no DLQ topic', async () => {
    const prefix = newPrefix('nodlq');
    const consumer = newBus(prefix, { enableDlq: false, numPartitions: 1 });
    const handled: string[] = [];
    consumer.subscribe(OrderCreated, (event) => void handled.push(event.aggregateId));
    await consumer.startConsuming();
    await sendRaw(consumer.topicName, [
      { key: 'bad', value: 'not an event', headers: { event_type: 'OrderCreated' } },
      { key: 'good', value: encodeEvent(orderCreated('good')), headers: { event_type: 'OrderCreated' } },
    ]);
    await waitFor(() => handled.includes('good'), 'the good event after the bad one is handled');
    const topics = await withAdmin((admin) => admin.listTopics());
    expect(topics).toContain(consumer.topicName);
    expect(topics).not.toContain(consumer.dlqTopicName);
  });

  it('stopConsuming drains in-flight handlers and commits, so a restart does not redeliver', async () => {
    const prefix = newPrefix('drain');
    const publisher = newBus(prefix);
    const group = `${prefix}-drain`;
    const first = newBus(prefix, { consumerGroup: group, numPartitions: 1 });
    let started = 0;
    let finished = 0;
    first.subscribe(OrderCreated, async () => {
      started += 1;
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished += 1;
    });
    await first.startConsuming();
    await publisher.publish([orderCreated('o-1'), orderCreated('o-2')]);
    await waitFor(() => started === 1, 'the first handler is running');
    await Promise.all([first.stopConsuming(), first.stopConsuming()]);
    expect(finished).toBe(started);
    expect(first.consuming).toBe(false);
    const committed = await withAdmin((admin) =>
      admin.fetchOffsets({ groupId: group, topics: [first.topicName] }),
    );
    expect(committed[0]!.partitions[0]!.offset).toBe(String(finished));
    await first.stopConsuming();

    const second = newBus(prefix, { consumerGroup: group });
    const redelivered: string[] = [];
    second.subscribe(OrderCreated, (event) => void redelivered.push(event.aggregateId));
    await second.startConsuming();
    await publisher.publish([orderCreated('o-3')]);
    await waitFor(() => redelivered.includes('o-3'), 'the new event arrives');
    const expected = finished === 2 ? ['o-3'] : ['o-2', 'o-3'];
    expect(redelivered).toEqual(expected);
  });

  it('can start consuming again after stopping', async () => {
    const prefix = newPrefix('restart');
    const bus = newBus(prefix);
    const handled: string[] = [];
    bus.subscribe(OrderCreated, (event) => void handled.push(event.aggregateId));
    await bus.startConsuming();
    await bus.stopConsuming();
    await bus.publish([orderCreated('while-stopped')]);
    await bus.startConsuming();
    await waitFor(
      () => handled.includes('while-stopped'),
      'the event published while stopped arrives after the restart',
    );
  });

  it('closes idempotently, works with await using, and refuses work once closed', async () => {
    const prefix = newPrefix('close');
    {
      await using bus = new KafkaEventBus(testOptions(prefix, { registry: orderRegistry() }));
      await bus.publish([orderCreated('o-1')]);
      await bus.startConsuming();
      expect(bus.consuming).toBe(true);
    }
    const bus = newBus(prefix);
    await bus.connect();
    await Promise.all([bus.close(), bus.close()]);
    await bus.close();
    await expect(bus.publish([orderCreated('o-2')])).rejects.toThrow(ClosedError);
    expect(() => bus.startConsuming()).toThrow(ClosedError);
    expect(() => bus.pause()).toThrow(/startConsuming/);
  });

  it('reports an unreachable broker as UnavailableError', async () => {
    const bus = newBus(uniquePrefix('unreachable'), {
      bootstrapServers: '127.0.0.1:1',
      clientRetry: { retries: 0 },
      connectionTimeoutMs: 500,
    });
    const failure = bus.publish([orderCreated('o-1')]);
    await expect(failure).rejects.toThrow(UnavailableError);
    await expect(failure).rejects.toMatchObject({
      cause: expect.objectContaining({ name: expect.stringMatching(/^KafkaJS/) }),
    });
  });
});
