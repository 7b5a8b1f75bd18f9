import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvalidArgumentError, UnavailableError } from '@eventsource/core';
import {
  captureTelemetry,
  isChildOf,
  linksTo,
  meterCapture,
  pointsOf,
  type MeterCapture,
  type TelemetryCapture,
} from '@eventsource/testing';
import { RedisEventBus } from '../src/index.ts';
import {
  deleteStreams,
  OrderPlaced,
  orderPlaced,
  OrderShipped,
  rawRedis,
  testOptions,
  uniquePrefix,
  waitFor,
} from './support.ts';

let telemetry: TelemetryCapture;
const prefixes: string[] = [];
function prefixFor(name: string): string {
  const prefix = uniquePrefix(name);
  prefixes.push(prefix);
  return prefix;
}

beforeAll(() => {
  telemetry = captureTelemetry();
});

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteStreams(prefix)));
  await telemetry.shutdown();
}, 30_000);

function total(points: { value: number }[]): number {
  return points.reduce((sum, point) => sum + point.value, 0);
}

describe('spans', () => {
  it('publish (PRODUCER) -> process (CONSUMER, child plus link) -> dispatch -> handle, with messaging attributes', async () => {
    const prefix = prefixFor('spans');
    await using bus = new RedisEventBus(testOptions(prefix));
    const handled = Promise.withResolvers<void>();
    bus.subscribe(OrderPlaced, { name: 'OrderProjection', handle: () => handled.resolve() });
    await bus.startConsuming();
    telemetry.reset();
    const event = orderPlaced('order-7');
    await bus.publish([event]);
    await handled.promise;
    await waitFor(() => telemetry.spansNamed('eventsource.event_bus.process').length === 1, 'process span');

    const publish = telemetry.span('eventsource.event_bus.publish');
    expect(publish.kind).toBe(3);
    expect(publish.attributes).toMatchObject({
      'messaging.system': 'redis',
      'messaging.system.name': 'redis',
      'messaging.destination': `${prefix}:stream`,
      'messaging.destination.name': `${prefix}:stream`,
      'messaging.operation.type': 'send',
      'messaging.message.id': event.eventId,
      'eventsource.event.type': 'OrderPlaced',
      'eventsource.event.id': event.eventId,
      'eventsource.aggregate.id': 'order-7',
      'eventsource.aggregate.type': 'Order',
      'server.address': '127.0.0.1',
      'server.port': 6379,
    });
    const process = telemetry.span('eventsource.event_bus.process');
    expect(process.kind).toBe(4);
    expect(isChildOf(process, publish)).toBe(true);
    expect(linksTo(process, publish)).toBe(true);
    expect(process.attributes).toMatchObject({
      'messaging.system': 'redis',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.consumer.group.name': bus.consumerGroup,
      'messaging.destination.name': `${prefix}:stream`,
      'eventsource.event.type': 'OrderPlaced',
      'eventsource.aggregate.id': 'order-7',
    });
    const dispatch = telemetry.span('eventsource.event_bus.dispatch');
    expect(isChildOf(dispatch, process)).toBe(true);
    expect(dispatch.attributes['eventsource.handler.count']).toBe(1);
    const handle = telemetry.span('eventsource.event_bus.handle');
    expect(isChildOf(handle, dispatch)).toBe(true);
    expect(handle.attributes).toMatchObject({
      'eventsource.handler.name': 'OrderProjection',
      'eventsource.handler.success': true,
    });
  }, 30_000);
});

describe('metrics: the redis.eventbus.* catalogue', () => {
  let meters: MeterCapture;
  beforeAll(() => {
    meters = meterCapture();
  });
  afterAll(() => meters.shutdown());

  const metric = async (suffix: string) => pointsOf(await meters.metric(`redis.eventbus.${suffix}`));

  it('counts, times and gauges a real flow, failures included', async () => {
    const prefix = prefixFor('metrics');
    const stream = `${prefix}:stream`;
    await using bus = new RedisEventBus(
      testOptions(prefix, { meterProvider: meters.meterProvider, maxRetries: 1, retryBaseDelayMs: 10 }),
    );
    const gate = Promise.withResolvers<void>();
    bus.subscribe(OrderPlaced, { name: 'Projection', handle: () => gate.promise });
    bus.subscribe(OrderShipped, {
      name: 'Shipper',
      handle: () => {
        throw new RangeError('no carrier');
      },
    });
    await bus.startConsuming();
    expect(total(await metric('rebalances'))).toBe(1);
    expect(await metric('connections.active')).toEqual([
      { attributes: { 'messaging.consumer.group.name': bus.consumerGroup }, value: 2 },
    ]);

    // Five entries while the handler holds the first: the group has them all outstanding.
    await bus.publish([1, 2, 3, 4, 5].map((index) => orderPlaced(`order-${index}`)));
    await waitFor(async () => (await metric('messages.consumed')).length > 0, 'the first entry read');
    const lag = await metric('consumer.lag');
    expect(lag).toEqual([
      {
        attributes: { 'messaging.consumer.group.name': bus.consumerGroup, 'messaging.destination': stream },
        value: 5,
      },
    ]);
    gate.resolve();
    await waitFor(async () => total(await metric('handler.invocations')) === 5, 'five handled');
    await waitFor(async () => (await metric('consumer.lag'))[0]?.value === 0, 'lag back to zero');

    await bus.publish([OrderShipped.create({ carrier: 'x' }, { aggregateId: 'order-1' })]);
    await waitFor(async () => total(await metric('messages.dlq')) === 1, 'the failing event dead-lettered');

    const published = await metric('messages.published');
    expect(published).toContainEqual({
      attributes: {
        'messaging.system': 'redis',
        'messaging.destination': stream,
        'eventsource.event.type': 'OrderPlaced',
      },
      value: 5,
    });
    expect(total(await metric('messages.consumed'))).toBe(6);
    expect((await metric('messages.consumed'))[0]?.attributes).toMatchObject({
      'messaging.system': 'redis',
      'messaging.destination': stream,
    });
    expect(await metric('handler.errors')).toEqual([
      {
        attributes: {
          'eventsource.handler.name': 'Shipper',
          'eventsource.event.type': 'OrderShipped',
          'error.type': 'RangeError',
        },
        value: 2,
      },
    ]);
    expect(await metric('messages.dlq')).toEqual([
      {
        attributes: { 'eventsource.dlq.reason': 'max_retries_exceeded', 'error.type': 'RangeError' },
        value: 1,
      },
    ]);
    expect(await metric('dlq.size')).toEqual([
      { attributes: { 'messaging.consumer.group.name': bus.consumerGroup }, value: 1 },
    ]);
    expect(total(await metric('handler.invocations'))).toBe(7);
    expect(total(await metric('handler.duration'))).toBe(7);
    expect(total(await metric('publish.duration'))).toBe(2);
    expect(total(await metric('batch.size'))).toBe(2);
    expect(total(await metric('consume.duration'))).toBe(6);
  }, 30_000);

  it('counts publish errors, connection errors and reconnections', async () => {
    const prefix = prefixFor('failures');
    const redis = rawRedis();
    await using bus = new RedisEventBus(
      testOptions(prefix, { meterProvider: meters.meterProvider, consumerName: `${prefix}-member` }),
    );
    try {
      // A key of the wrong type where the stream should be: Redis rejects the XADD itself.
      await redis.set(`${prefix}:stream`, 'not a stream');
      const rejected = await bus.publish([orderPlaced('order-1')]).catch((error: unknown) => error);
      expect(rejected).toBeInstanceOf(InvalidArgumentError);
      expect((rejected as Error).message).toMatch(/WRONGTYPE/);
      expect(await metric('publish.errors')).toContainEqual({
        attributes: {
          'messaging.system': 'redis',
          'messaging.destination': `${prefix}:stream`,
          'eventsource.event.type': 'OrderPlaced',
          'error.type': 'ReplyError',
        },
        value: 1,
      });
      await redis.del(`${prefix}:stream`);

      // The server drops this bus's connections (only those: they carry its consumer name).
      await bus.startConsuming();
      const before = total(await metric('reconnections'));
      const clients = (await redis.client('LIST')) as string;
      const ids = clients
        .split('\n')
        .filter((line) => line.includes(` name=${prefix}-member `))
        .map((line) => /id=(\d+)/.exec(line)?.[1]);
      expect(ids.length).toBe(2);
      for (const id of ids) await redis.client('KILL', 'ID', id!);
      await waitFor(async () => total(await metric('reconnections')) - before >= 2, 'both connections back');
      const handled = Promise.withResolvers<void>();
      bus.subscribe(OrderPlaced, () => handled.resolve());
      await bus.publish([orderPlaced('order-2')]);
      await handled.promise;
    } finally {
      redis.disconnect();
    }

    // Nothing listens on port 1: every attempt is a connection error, the publish gives up.
    await using unreachable = new RedisEventBus(
      testOptions(prefixFor('unreachable'), {
        redisUrl: 'redis://127.0.0.1:1',
        meterProvider: meters.meterProvider,
        maxRetriesPerRequest: 1,
      }),
    );
    await expect(unreachable.publish([orderPlaced('order-3')])).rejects.toBeInstanceOf(UnavailableError);
    const errors = await metric('connection.errors');
    expect(total(errors)).toBeGreaterThanOrEqual(1);
    expect(errors.map((point) => point.attributes['error.type'])).toContain('Error');
  }, 30_000);
});
