import { afterAll, describe, expect, it } from '@jest/globals';
import { ClosedError, defineEvent, DLQReasons, type DomainEvent } from '@eventsource/core';
import { BusHeaders, encodeEvent } from '@eventsource/core/kit';
import { RedisEventBus } from '../src/index.ts';
import {
  deleteStreams,
  OrderPlaced,
  orderPlaced,
  rawRedis,
  testOptions,
  uniquePrefix,
  waitFor,
} from './support.ts';

const prefixes: string[] = [];
function prefixFor(name: string): string {
  const prefix = uniquePrefix(name);
  prefixes.push(prefix);
  return prefix;
}

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteStreams(prefix)));
}, 30_000);

describe('RedisEventBus', () => {
  it('publishes entries with the envelope, event and trace fields and delivers them', async () => {
    const prefix = prefixFor('roundtrip');
    await using bus = new RedisEventBus(testOptions(prefix));
    const received: DomainEvent[] = [];
    bus.subscribe(OrderPlaced, (event) => void received.push(event));
    await bus.startConsuming();
    const events = [orderPlaced('order-1', 1), orderPlaced('order-2', 2), orderPlaced('order-1', 3)];
    await bus.publish(events);
    await waitFor(() => received.length === 3, 'three events handled');
    expect(received.map((event) => event.eventId)).toEqual(events.map((event) => event.eventId));
    expect(OrderPlaced.is(received[0]!) && received[0].data.placedAt).toEqual(
      new Date('2026-01-02T03:04:05.000Z'),
    );

    const redis = rawRedis();
    try {
      const entries = (await redis.xrange(bus.streamName, '-', '+')) as [string, string[]][];
      expect(entries).toHaveLength(3);
      const fields = Object.fromEntries(
        entries[0]![1].flatMap((value, index, all) => (index % 2 === 0 ? [[value, all[index + 1]]] : [])),
      );
      expect(fields).toMatchObject({
        event_type: 'OrderPlaced',
        event_id: events[0]!.eventId,
        aggregate_type: 'Order',
      });
      expect(JSON.parse(fields.payload!).eventId).toBe(events[0]!.eventId);
      const pending = (await redis.xpending(bus.streamName, bus.consumerGroup)) as [number];
      await waitFor(
        async () => ((await redis.xpending(bus.streamName, bus.consumerGroup)) as [number])[0] === 0,
        'all acknowledged',
      );
      expect(pending).toBeDefined();
    } finally {
      redis.disconnect();
    }
  }, 30_000);

  it('gives every group every event and splits a group between its members', async () => {
    const prefix = prefixFor('groups');
    const busA1 = new RedisEventBus(testOptions(prefix, { consumerGroup: 'a', consumerName: 'a1' }));
    const busA2 = new RedisEventBus(testOptions(prefix, { consumerGroup: 'a', consumerName: 'a2' }));
    const busB = new RedisEventBus(testOptions(prefix, { consumerGroup: 'b' }));
    const seen = { a1: [] as string[], a2: [] as string[], b: [] as string[] };
    busA1.subscribe(OrderPlaced, async (event) => {
      seen.a1.push(event.eventId);
      await new Promise((resolve) => setTimeout(resolve, 2));
    });
    busA2.subscribe(OrderPlaced, async (event) => {
      seen.a2.push(event.eventId);
      await new Promise((resolve) => setTimeout(resolve, 2));
    });
    busB.subscribe(OrderPlaced, (event) => void seen.b.push(event.eventId));
    try {
      await Promise.all([busA1.startConsuming(), busA2.startConsuming(), busB.startConsuming()]);
      const events = Array.from({ length: 200 }, (_, index) => orderPlaced(`order-${index}`));
      for (let index = 0; index < events.length; index += 10)
        await busA1.publish(events.slice(index, index + 10));
      await waitFor(() => seen.a1.length + seen.a2.length === 200 && seen.b.length === 200, 'all delivered');
      expect(new Set([...seen.a1, ...seen.a2]).size).toBe(200);
      expect(seen.a1.length).toBeGreaterThan(0);
      expect(seen.a2.length).toBeGreaterThan(0);
    } finally {
      await Promise.all([busA1.close(), busA2.close(), busB.close()]);
    }
  }, 30_000);

  it('retries with back-off that really waits, dead-letters with the reason, and goes on', async () => {
    const prefix = prefixFor('dlq');
    await using bus = new RedisEventBus(testOptions(prefix, { maxRetries: 2, retryBaseDelayMs: 100 }));
    const attempts: number[] = [];
    const handled: string[] = [];
    bus.subscribe(OrderPlaced, (event) => {
      if (event.aggregateId === 'poison') {
        attempts.push(performance.now());
        throw new TypeError('cannot handle poison');
      }
      handled.push(event.aggregateId);
    });
    await bus.startConsuming();
    await bus.publish([orderPlaced('poison'), orderPlaced('fine')]);
    await waitFor(() => handled.includes('fine'), 'the next event handled', 10_000);
    expect(attempts).toHaveLength(3);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(95);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(195);
    expect(await bus.dlqMessageCount()).toBe(1);
    const [letter] = await bus.readDlq({ limit: 10 });
    expect(letter?.reason).toBe(DLQReasons.maxRetriesExceeded);
    expect(letter?.headers).toMatchObject({
      [BusHeaders.eventType]: 'OrderPlaced',
      [BusHeaders.dlqErrorType]: 'TypeError',
      [BusHeaders.dlqErrorMessage]: 'cannot handle poison',
      [BusHeaders.dlqRetryCount]: '2',
      [BusHeaders.dlqConsumerGroup]: bus.consumerGroup,
      dlq_original_stream: bus.streamName,
    });
    expect(JSON.parse(letter!.value!).aggregateId).toBe('poison');
  }, 30_000);

  it('dead-letters malformed and unknown entries at once and keeps consuming', async () => {
    const prefix = prefixFor('malformed');
    await using bus = new RedisEventBus(testOptions(prefix));
    const handled: string[] = [];
    bus.subscribeAll((event) => void handled.push(event.aggregateId));
    await bus.startConsuming();
    const redis = rawRedis();
    try {
      await redis.xadd(bus.streamName, '*', 'payload', '{not json', 'event_type', 'OrderPlaced');
      const unknown = defineEvent<{ n: number }, 'Unregistered'>('Unregistered', { aggregateType: 'X' });
      const payload = encodeEvent(unknown.create({ n: 1 }, { aggregateId: 'x-1' }));
      await redis.xadd(bus.streamName, '*', 'payload', payload);
      await redis.xadd(bus.streamName, '*', 'something', 'else');
    } finally {
      redis.disconnect();
    }
    await bus.publish([orderPlaced('after')]);
    await waitFor(() => handled.includes('after'), 'the good event handled');
    await waitFor(async () => (await bus.dlqMessageCount()) === 3, 'three dead letters');
    const reasons = (await bus.readDlq()).map((letter) => letter.reason);
    expect(reasons).toEqual([
      DLQReasons.deserializationError,
      DLQReasons.unknownEventType,
      DLQReasons.deserializationError,
    ]);
  }, 30_000);

  it('replays dead letters to the failing group only', async () => {
    const prefix = prefixFor('replay');
    let failing = true;
    const seenA: string[] = [];
    const seenB: string[] = [];
    await using busA = new RedisEventBus(testOptions(prefix, { consumerGroup: 'a', maxRetries: 0 }));
    await using busB = new RedisEventBus(testOptions(prefix, { consumerGroup: 'b', maxRetries: 0 }));
    busA.subscribe(OrderPlaced, (event) => {
      if (failing) throw new Error('down');
      seenA.push(event.aggregateId);
    });
    busB.subscribe(OrderPlaced, (event) => void seenB.push(event.aggregateId));
    await Promise.all([busA.startConsuming(), busB.startConsuming()]);
    await busA.publish([orderPlaced('x'), orderPlaced('y')]);
    await waitFor(async () => (await busA.dlqMessageCount()) === 2, 'two dead letters');
    await waitFor(() => seenB.length === 2, 'group b handled both');
    failing = false;
    expect(await busB.replayDlq()).toBe(0);
    expect(await busA.replayDlq({ limit: 10 })).toBe(2);
    await waitFor(() => seenA.length === 2, 'group a handled the replayed events');
    expect(seenA.sort()).toEqual(['x', 'y']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seenB).toHaveLength(2);
    expect(await busA.dlqMessageCount()).toBe(0);
  }, 30_000);

  it('stops gracefully: the running handler finishes and is acknowledged; closed buses refuse work', async () => {
    const prefix = prefixFor('stop');
    const bus = new RedisEventBus(testOptions(prefix));
    const started = Promise.withResolvers<void>();
    let finished = false;
    bus.subscribe(OrderPlaced, async () => {
      started.resolve();
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished = true;
    });
    await bus.startConsuming();
    await bus.publish([orderPlaced('slow')]);
    await started.promise;
    await bus.stopConsuming();
    expect(finished).toBe(true);
    const redis = rawRedis();
    try {
      const [pending] = (await redis.xpending(bus.streamName, bus.consumerGroup)) as [number];
      expect(pending).toBe(0);
    } finally {
      redis.disconnect();
    }
    await bus.close();
    await bus.close();
    await expect(bus.publish([orderPlaced('late')])).rejects.toBeInstanceOf(ClosedError);
    expect(() => bus.startConsuming()).toThrow(ClosedError);
  }, 30_000);
});

describe('long deliveries', () => {
  it('keeps an entry claimed while its retries outlast pendingIdleMs, so no other member takes it over', async () => {
    const prefix = prefixFor('keepalive');
    const options = testOptions(prefix, {
      pendingIdleMs: 400,
      maxRetries: 3,
      retryBaseDelayMs: 300,
      retryMaxDelayMs: 300,
    });
    await using slow = new RedisEventBus({ ...options, consumerName: 'slow' });
    await using other = new RedisEventBus({ ...options, consumerName: 'other' });
    const attempts: string[] = [];
    slow.subscribe(OrderPlaced, () => {
      attempts.push('slow');
      if (attempts.length < 4) throw new Error('not yet');
    });
    other.subscribe(OrderPlaced, () => void attempts.push('other'));
    await slow.startConsuming();
    await slow.publish([orderPlaced('order-1')]);
    await waitFor(() => attempts.length > 0, 'first attempt');
    await other.startConsuming();
    await waitFor(() => attempts.length >= 4, 'four attempts', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(attempts).toEqual(['slow', 'slow', 'slow', 'slow']);
    expect(await slow.dlqMessageCount()).toBe(0);
  }, 30_000);
});

describe('restarts', () => {
  it('a member restarted under its name first handles the entries still pending for it, batch after batch', async () => {
    const prefix = prefixFor('ownpending');
    const options = testOptions(prefix, { consumerName: 'member-1', batchSize: 40, pendingIdleMs: 60_000 });
    const publisher = new RedisEventBus(options);
    const events = Array.from({ length: 100 }, (_, index) => orderPlaced(`order-${index}`));
    const redis = rawRedis();
    try {
      // An earlier run of member-1 read these and died before acknowledging any.
      await redis.call('XGROUP', 'CREATE', publisher.streamName, publisher.consumerGroup, '0', 'MKSTREAM');
      await publisher.publish(events);
      await redis.call(
        'XREADGROUP',
        'GROUP',
        publisher.consumerGroup,
        'member-1',
        'COUNT',
        '100',
        'STREAMS',
        publisher.streamName,
        '>',
      );
      await using restarted = new RedisEventBus(options);
      const handled = new Set<string>();
      restarted.subscribe(OrderPlaced, (event) => void handled.add(event.eventId));
      await restarted.startConsuming();
      await waitFor(() => handled.size === 100, 'every entry pending for member-1 handled', 10_000);
      await waitFor(
        async () => Number((await redis.xpending(publisher.streamName, publisher.consumerGroup))[0]) === 0,
        'nothing pending',
      );
    } finally {
      redis.disconnect();
      await publisher.close();
    }
  }, 30_000);
});
