// Every rabbitmq.eventbus.* metric of the catalogue, recorded by a real bus. Reconnections (and
// the connection errors of a lost broker) are asserted by broker-restart.integration.test.ts.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { busMetricNames, BusMetricAttributes } from '@eventsource/core/kit';
import { captureTelemetry, sumOf, type TelemetryCapture } from '@eventsource/testing';
import { RabbitMQEventBus } from '../src/index.ts';
import {
  closeConnectionFromBroker,
  deleteTopology,
  ParcelRegistered,
  parcelRegistered,
  publishRaw,
  testOptions,
  uniqueExchange,
  waitFor,
} from './support.ts';

const names = busMetricNames('rabbitmq');
let telemetry: TelemetryCapture;
const exchange = uniqueExchange('metrics');

beforeAll(() => {
  telemetry = captureTelemetry();
});

afterAll(async () => {
  await deleteTopology(exchange, ['metered']);
  await telemetry.shutdown();
}, 30_000);

function pointsOf(metric: Awaited<ReturnType<TelemetryCapture['metric']>>) {
  return (metric?.dataPoints ?? []) as { attributes: Record<string, unknown>; value: unknown }[];
}

it('records the whole rabbitmq.eventbus.* catalogue', async () => {
  const consumerName = `metrics-${exchange}`;
  const bus = new RabbitMQEventBus(
    testOptions(exchange, { consumerGroup: 'metered', consumerName, prefetchCount: 2, maxRetries: 1 }),
  );
  const release = Promise.withResolvers<void>();
  let blocking = true;
  bus.subscribe(ParcelRegistered, {
    name: 'ParcelCounter',
    handle: async (event) => {
      if (event.aggregateId === 'parcel-fails') throw new RangeError('too heavy');
      if (blocking) await release.promise;
    },
  });
  try {
    await bus.startConsuming();
    await bus.publish(Array.from({ length: 10 }, (_, index) => parcelRegistered(`parcel-${index}`)));
    const system = { [BusMetricAttributes.messagingSystem]: 'rabbitmq' };
    const group = { [BusMetricAttributes.consumerGroup]: 'metered' };

    // Two messages held by the blocked handler, eight ready in the group queue.
    await waitFor(async () => {
      const lag = pointsOf(await telemetry.metric(names.consumerLag));
      return lag.some((point) => point.value === 8);
    }, 'the queue depth shows as consumer lag');
    expect(pointsOf(await telemetry.metric(names.consumerLag))[0]?.attributes).toEqual({
      ...group,
      [BusMetricAttributes.messagingDestination]: `${exchange}.metered`,
    });
    expect(pointsOf(await telemetry.metric(names.connectionsActive))).toEqual([
      expect.objectContaining({ attributes: group, value: 2 }),
    ]);

    blocking = false;
    release.resolve();
    await bus.publish([parcelRegistered('parcel-fails')]);
    await publishRaw(exchange, 'Parcel.ParcelRegistered', 'not an event', { event_type: 'ParcelRegistered' });
    await waitFor(async () => (await bus.dlqMessageCount()) === 2, 'two dead letters');
    await waitFor(
      async () => pointsOf(await telemetry.metric(names.dlqSize)).some((point) => point.value === 2),
      'the dlq.size gauge shows both',
    );
    expect(pointsOf(await telemetry.metric(names.dlqSize))[0]?.attributes).toEqual(group);

    const published = { ...system, [BusMetricAttributes.messagingDestination]: exchange };
    expect(
      sumOf(await telemetry.metric(names.messagesPublished), {
        ...published,
        'eventsource.event.type': 'ParcelRegistered',
      }),
    ).toBe(11);
    expect(sumOf(await telemetry.metric(names.messagesConsumed), system)).toBe(12);
    expect(
      sumOf(await telemetry.metric(names.handlerInvocations), {
        [BusMetricAttributes.handlerName]: 'ParcelCounter',
      }),
    ).toBe(12);
    expect(
      sumOf(await telemetry.metric(names.handlerErrors), { [BusMetricAttributes.errorType]: 'RangeError' }),
    ).toBe(2);
    expect(
      sumOf(await telemetry.metric(names.messagesDlq), {
        [BusMetricAttributes.dlqReason]: 'max_retries_exceeded',
        [BusMetricAttributes.errorType]: 'RangeError',
      }),
    ).toBe(1);
    expect(
      sumOf(await telemetry.metric(names.messagesDlq), {
        [BusMetricAttributes.dlqReason]: 'deserialization_error',
      }),
    ).toBe(1);
    expect(sumOf(await telemetry.metric(names.publishDuration))).toBe(2);
    expect(sumOf(await telemetry.metric(names.consumeDuration))).toBe(12);
    expect(sumOf(await telemetry.metric(names.handlerDuration))).toBe(12);
    expect(sumOf(await telemetry.metric(names.batchSize))).toBe(2);
    expect(sumOf(await telemetry.metric(names.rebalances), group)).toBe(1);

    // The broker drops the consumer connection: the bus reconnects and subscribes again by itself.
    await closeConnectionFromBroker(`${consumerName} consumer`);
    await waitFor(
      async () => sumOf(await telemetry.metric(names.rebalances), group) === 2,
      'subscribed again',
    );
    expect(sumOf(await telemetry.metric(names.reconnections))).toBe(1);
    expect(
      sumOf(await telemetry.metric(names.connectionErrors), { 'error.type': 'Error' }),
    ).toBeGreaterThanOrEqual(1);
    await bus.publish([parcelRegistered('parcel-after')]);
    await waitFor(
      async () => sumOf(await telemetry.metric(names.handlerInvocations)) === 13,
      'consuming again',
    );

    const unreachable = new RabbitMQEventBus(
      testOptions(uniqueExchange('nowhere'), {
        rabbitmqUrl: 'amqp://guest:hunter2@127.0.0.1:1/',
        connectionTimeoutMs: 500,
      }),
    );
    await expect(unreachable.publish([parcelRegistered('parcel-lost')])).rejects.toThrow(
      'not sent: broker unreachable',
    );
    await unreachable.close();
    const publishErrors = pointsOf(await telemetry.metric(names.publishErrors));
    expect(publishErrors).toEqual([expect.objectContaining({ value: 1 })]);
    expect(publishErrors[0]?.attributes).toMatchObject({
      ...system,
      'eventsource.event.type': 'ParcelRegistered',
    });
    expect(publishErrors[0]?.attributes['error.type']).toEqual(expect.any(String));
    expect(sumOf(await telemetry.metric(names.connectionErrors))).toBeGreaterThanOrEqual(1);

    const everything = JSON.stringify(await telemetry.metrics());
    expect(everything).not.toContain('hunter2');
    for (const name of Object.values(names)) expect(everything).toContain(`"${name}"`);
  } finally {
    release.resolve();
    await bus.close();
  }
}, 30_000);
