import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import kafkajs from 'kafkajs';
import { InvalidArgumentError, type DomainEvent } from '@eventsource/core';
import { captureTelemetry, isChildOf, linksTo, type TelemetryCapture } from '@eventsource/testing';
import { KafkaEventBus, KafkaMetricNames } from '../src/index.ts';
import {
  brokers,
  deleteTopics,
  meterCapture,
  OrderCreated,
  orderCreated,
  orderRegistry,
  pointsOf,
  testOptions,
  uniquePrefix,
  waitFor,
} from './support.ts';

let telemetry: TelemetryCapture;
const prefixes: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

function newBus(prefix: string, overrides: Parameters<typeof testOptions>[1] = {}): KafkaEventBus {
  const bus = new KafkaEventBus(testOptions(prefix, { registry: orderRegistry(), ...overrides }));
  cleanups.push(() => bus.close());
  return bus;
}

function newPrefix(name: string): string {
  const prefix = uniquePrefix(name);
  prefixes.push(prefix);
  return prefix;
}

class OrderProjection {
  readonly handled: DomainEvent[] = [];
  async handle(event: DomainEvent): Promise<void> {
    this.handled.push(event);
  }
}

class NotificationService {
  readonly handled: DomainEvent[] = [];
  failuresLeft = 0;
  async handle(event: DomainEvent): Promise<void> {
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new RangeError('mail server busy');
    }
    this.handled.push(event);
  }
}

beforeAll(() => {
  telemetry = captureTelemetry();
});

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
}, 30_000);

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteTopics(prefix)));
  await telemetry.shutdown();
}, 30_000);

describe('KafkaEventBus spans', () => {
  it('reproduces the seed example trace: publish -> consume (child + link) -> dispatch -> handle x2', async () => {
    const prefix = newPrefix('trace');
    const publisher = newBus(prefix);
    const consumer = newBus(prefix, { consumerGroup: 'projections-' + prefix });
    const projection = new OrderProjection();
    const notifications = new NotificationService();
    consumer.subscribe(OrderCreated, projection);
    consumer.subscribe(OrderCreated, notifications);
    await consumer.startConsuming();
    telemetry.reset();
    const event = orderCreated('order-123');
    await publisher.publish([event]);
    await waitFor(
      () => telemetry.spansNamed('eventsource.event_bus.consume').length === 1,
      'the consume span ends',
    );

    const publish = telemetry.span('eventsource.event_bus.publish');
    expect(publish.kind).toBe(3);
    expect(publish.parentSpanContext).toBeUndefined();
    expect(publish.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination': publisher.topicName,
      'messaging.system.name': 'kafka',
      'messaging.destination.name': publisher.topicName,
      'messaging.operation.type': 'send',
      'eventsource.event.type': 'OrderCreated',
      'eventsource.event.id': event.eventId,
      'eventsource.aggregate.id': 'order-123',
      'eventsource.aggregate.type': 'Order',
      'messaging.kafka.message.key': 'order-123',
      'server.address': '127.0.0.1',
    });

    const consume = telemetry.span('eventsource.event_bus.consume');
    expect(consume.kind).toBe(4);
    expect(isChildOf(consume, publish)).toBe(true);
    expect(linksTo(consume, publish)).toBe(true);
    expect(consume.attributes).toMatchObject({
      'eventsource.event.type': 'OrderCreated',
      'eventsource.event.id': event.eventId,
      'eventsource.aggregate.id': 'order-123',
      'messaging.system': 'kafka',
      'messaging.destination': consumer.topicName,
      'messaging.system.name': 'kafka',
      'messaging.destination.name': consumer.topicName,
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': consumer.consumerGroup,
      'messaging.kafka.message.key': 'order-123',
    });
    expect(consume.attributes['messaging.destination.partition.id']).toMatch(/^[0-2]$/);
    expect(typeof consume.attributes['messaging.kafka.offset']).toBe('number');

    const dispatch = telemetry.span('eventsource.event_bus.dispatch');
    expect(isChildOf(dispatch, consume)).toBe(true);
    expect(dispatch.attributes).toMatchObject({
      'eventsource.handler.count': 2,
      'messaging.system': 'kafka',
      'eventsource.event.type': 'OrderCreated',
    });
    const handles = telemetry.spansNamed('eventsource.event_bus.handle');
    expect(handles.map((span) => span.attributes['eventsource.handler.name'])).toEqual([
      'OrderProjection',
      'NotificationService',
    ]);
    for (const handle of handles) {
      expect(isChildOf(handle, dispatch)).toBe(true);
      expect(handle.attributes['eventsource.handler.success']).toBe(true);
    }
    expect(projection.handled).toEqual([event]);
  });

  it('continues the caller trace when publishing inside a span, one publish span per event', async () => {
    const prefix = newPrefix('caller');
    const publisher = newBus(prefix);
    const consumer = newBus(prefix);
    const projection = new OrderProjection();
    consumer.subscribe(OrderCreated, projection);
    await consumer.startConsuming();
    telemetry.reset();
    const tracer = telemetry.tracerProvider.getTracer('test');
    const events = [orderCreated('a'), orderCreated('b')];
    await tracer.startActiveSpan('http POST /orders', async (span) => {
      await publisher.publish(events);
      span.end();
    });
    await waitFor(
      () => telemetry.spansNamed('eventsource.event_bus.consume').length === 2,
      'both consume spans end',
    );
    const request = telemetry.span('http POST /orders');
    const publishes = telemetry.spansNamed('eventsource.event_bus.publish');
    expect(publishes.map((span) => span.attributes['eventsource.aggregate.id']).sort()).toEqual(['a', 'b']);
    for (const publish of publishes) {
      expect(isChildOf(publish, request)).toBe(true);
      const consume = telemetry
        .spansNamed('eventsource.event_bus.consume')
        .find(
          (span) =>
            span.attributes['eventsource.aggregate.id'] === publish.attributes['eventsource.aggregate.id'],
        )!;
      expect(isChildOf(consume, publish)).toBe(true);
    }
  });

  it('starts a new trace linked to the producer in link mode', async () => {
    const prefix = newPrefix('link');
    const publisher = newBus(prefix);
    const consumer = newBus(prefix, { propagation: 'link' });
    consumer.subscribe(OrderCreated, new OrderProjection());
    await consumer.startConsuming();
    telemetry.reset();
    await publisher.publish([orderCreated('order-9')]);
    await waitFor(
      () => telemetry.spansNamed('eventsource.event_bus.consume').length === 1,
      'the consume span ends',
    );
    const publish = telemetry.span('eventsource.event_bus.publish');
    const consume = telemetry.span('eventsource.event_bus.consume');
    expect(consume.parentSpanContext).toBeUndefined();
    expect(consume.spanContext().traceId).not.toBe(publish.spanContext().traceId);
    expect(linksTo(consume, publish)).toBe(true);
  });

  it('records a failed handler on its handle span and the retry count on the consume span', async () => {
    const prefix = newPrefix('spanretry');
    const publisher = newBus(prefix);
    const consumer = newBus(prefix, { retryBaseDelayMs: 20 });
    const notifications = new NotificationService();
    notifications.failuresLeft = 1;
    consumer.subscribe(OrderCreated, notifications);
    await consumer.startConsuming();
    telemetry.reset();
    await publisher.publish([orderCreated('order-r')]);
    await waitFor(
      () => telemetry.spansNamed('eventsource.event_bus.consume').length === 1,
      'the consume span ends',
    );
    const consume = telemetry.span('eventsource.event_bus.consume');
    expect(consume.attributes['eventsource.retry.count']).toBe(1);
    const handles = telemetry.spansNamed('eventsource.event_bus.handle');
    expect(handles.map((span) => span.attributes['eventsource.handler.success'])).toEqual([false, true]);
    expect(handles[0]!.attributes['error.type']).toBe('RangeError');
    expect(handles[0]!.status.code).toBe(2);
    expect(telemetry.spansNamed('eventsource.event_bus.dispatch')).toHaveLength(2);
  });
});

describe('KafkaEventBus metrics', () => {
  it('emits the kafka.eventbus.* catalogue, with lag that grows while paused and rebalances that really fire', async () => {
    const prefix = newPrefix('metrics');
    const publisherMeters = meterCapture();
    const consumerMeters = meterCapture();
    const secondMeters = meterCapture();
    cleanups.push(() =>
      Promise.all([publisherMeters.shutdown(), consumerMeters.shutdown(), secondMeters.shutdown()]),
    );
    const group = `${prefix}-group`;
    const publisher = newBus(prefix, { meterProvider: publisherMeters.meterProvider });
    const consumer = newBus(prefix, {
      meterProvider: consumerMeters.meterProvider,
      maxRetries: 1,
      retryBaseDelayMs: 10,
    });
    const notifications = new NotificationService();
    const handledIds = new Set<string>();
    consumer.subscribe(OrderCreated, new OrderProjection());
    consumer.subscribe(OrderCreated, {
      name: 'Auditor',
      handle: (event: DomainEvent) => {
        if (event.aggregateId === 'poison') throw new SyntaxError('bad audit');
        handledIds.add(event.aggregateId);
      },
    });
    consumer.subscribe(OrderCreated, notifications);
    await consumer.startConsuming();
    const consumerMetric = consumerMeters.metric;
    expect(pointsOf(await consumerMetric(KafkaMetricNames.rebalances))).toEqual([
      { attributes: { 'messaging.consumer.group.name': group }, value: 1 },
    ]);

    await publisher.publish(['o-1', 'o-2', 'o-3', 'poison'].map((id) => orderCreated(id)));
    await waitFor(
      async () =>
        pointsOf(await consumerMetric(KafkaMetricNames.messagesDlq)).length === 1 && handledIds.size === 3,
      'all handled, poison dead-lettered',
    );

    const published = pointsOf(await publisherMeters.metric(KafkaMetricNames.messagesPublished));
    expect(published).toEqual([
      {
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination': publisher.topicName,
          'eventsource.event.type': 'OrderCreated',
        },
        value: 4,
      },
    ]);
    expect(pointsOf(await publisherMeters.metric(KafkaMetricNames.batchSize))).toEqual([
      { attributes: {}, value: 1 },
    ]);
    const publishDuration = await publisherMeters.metric(KafkaMetricNames.publishDuration);
    expect(publishDuration?.descriptor.unit).toBe('ms');
    expect(pointsOf(publishDuration)).toEqual([
      { attributes: { 'messaging.destination': publisher.topicName }, value: 1 },
    ]);

    const consumed = pointsOf(await consumerMetric(KafkaMetricNames.messagesConsumed));
    expect(consumed.reduce((total, point) => total + point.value, 0)).toBe(4);
    for (const point of consumed) {
      expect(point.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.destination': consumer.topicName,
        'eventsource.event.type': 'OrderCreated',
      });
      expect(point.attributes['messaging.destination.partition.id']).toMatch(/^[0-2]$/);
    }
    const consumeDuration = await consumerMetric(KafkaMetricNames.consumeDuration);
    expect(consumeDuration?.descriptor.unit).toBe('ms');
    expect(pointsOf(consumeDuration)).toEqual([
      { attributes: { 'messaging.destination': consumer.topicName }, value: 4 },
    ]);

    const invocations = pointsOf(await consumerMetric(KafkaMetricNames.handlerInvocations));
    const invocationsOf = (name: string) =>
      invocations.find((point) => point.attributes['eventsource.handler.name'] === name)?.value;
    expect(invocationsOf('OrderProjection')).toBe(5);
    expect(invocationsOf('Auditor')).toBe(5);
    expect(invocations[0]!.attributes['eventsource.event.type']).toBe('OrderCreated');
    expect(pointsOf(await consumerMetric(KafkaMetricNames.handlerErrors))).toEqual([
      {
        attributes: {
          'eventsource.handler.name': 'Auditor',
          'eventsource.event.type': 'OrderCreated',
          'error.type': 'SyntaxError',
        },
        value: 2,
      },
    ]);
    const handlerDuration = await consumerMetric(KafkaMetricNames.handlerDuration);
    expect(handlerDuration?.descriptor.unit).toBe('ms');
    expect(pointsOf(handlerDuration).reduce((total, point) => total + point.value, 0)).toBe(15);
    expect(pointsOf(await consumerMetric(KafkaMetricNames.messagesDlq))).toEqual([
      {
        attributes: { 'eventsource.dlq.reason': 'max_retries_exceeded', 'error.type': 'SyntaxError' },
        value: 1,
      },
    ]);
    expect(pointsOf(await consumerMetric(KafkaMetricNames.connectionsActive))).toEqual([
      { attributes: { 'messaging.consumer.group.name': group }, value: 3 },
    ]);

    const lagOf = async () =>
      pointsOf(await consumerMetric(KafkaMetricNames.consumerLag)).reduce(
        (total, point) => total + point.value,
        0,
      );
    const lagPoints = pointsOf(await consumerMetric(KafkaMetricNames.consumerLag));
    expect(lagPoints.map((point) => point.attributes['messaging.destination.partition.id']).sort()).toEqual([
      '0',
      '1',
      '2',
    ]);
    expect(lagPoints[0]!.attributes).toMatchObject({
      'messaging.consumer.group.name': group,
      'messaging.destination': consumer.topicName,
    });
    expect(await lagOf()).toBe(0);
    consumer.pause();
    await publisher.publish(['p-1', 'p-2', 'p-3', 'p-4', 'p-5'].map((id) => orderCreated(id)));
    expect(await lagOf()).toBe(5);
    consumer.resume();
    await waitFor(() => handledIds.size === 8, 'the paused events are handled after resume');
    await waitFor(async () => (await lagOf()) === 0, 'lag back to 0');

    const second = newBus(prefix, { consumerGroup: group, meterProvider: secondMeters.meterProvider });
    second.subscribe(OrderCreated, new OrderProjection());
    await second.startConsuming();
    await waitFor(
      async () => (pointsOf(await consumerMetric(KafkaMetricNames.rebalances))[0]?.value ?? 0) >= 2,
      'the first member rejoins',
    );
    expect(pointsOf(await secondMeters.metric(KafkaMetricNames.rebalances))[0]?.value).toBeGreaterThanOrEqual(
      1,
    );
    // The second member reports lag for the partitions it took over; the first reads 0 for them.
    await waitFor(
      async () => pointsOf(await secondMeters.metric(KafkaMetricNames.consumerLag)).length > 0,
      'the second member has partitions',
    );
    const taken = pointsOf(await secondMeters.metric(KafkaMetricNames.consumerLag)).map(
      (point) => point.attributes['messaging.destination.partition.id'],
    );
    expect(taken.length).toBeLessThan(3);
    const firstLag = pointsOf(await consumerMetric(KafkaMetricNames.consumerLag));
    for (const partition of taken) {
      expect(
        firstLag.find((point) => point.attributes['messaging.destination.partition.id'] === partition)?.value,
      ).toBe(0);
    }
  }, 30_000);

  it('counts publish errors with their error type', async () => {
    const prefix = newPrefix('publisherror');
    const meters = meterCapture();
    cleanups.push(() => meters.shutdown());
    const bus = newBus(prefix, { meterProvider: meters.meterProvider, compressionType: 'none' });
    const huge = OrderCreated.create(
      { customerId: 'x'.repeat(2_000_000), total: 1, placedAt: new Date() },
      { aggregateId: 'huge' },
    );
    await expect(bus.publish([huge])).rejects.toThrow(InvalidArgumentError);
    expect(pointsOf(await meters.metric(KafkaMetricNames.publishErrors))).toEqual([
      {
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination': bus.topicName,
          'eventsource.event.type': 'OrderCreated',
          'error.type': 'KafkaJSProtocolError',
        },
        value: 1,
      },
    ]);
    expect(
      telemetry
        .spansNamed('eventsource.event_bus.publish')
        .find((span) => span.attributes['eventsource.aggregate.id'] === 'huge')?.status.code,
    ).toBe(2);
  });

  it('counts connection errors and reconnections when the network to the broker drops, then resumes', async () => {
    const prefix = newPrefix('reconnect');
    const meters = meterCapture();
    cleanups.push(() => meters.shutdown());
    const sockets = new Set<Socket>();
    let networkDown = false;
    const kafka = new kafkajs.Kafka({
      brokers: [...brokers],
      clientId: 'reconnect-test',
      logLevel: kafkajs.logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 300 },
      requestTimeout: 1_000,
      connectionTimeout: 1_000,
      socketFactory: ({ host, port, onConnect }) => {
        const socket = networkDown
          ? connect({ host: '127.0.0.1', port: 1 }, onConnect)
          : connect({ host, port }, onConnect);
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        return socket;
      },
    });
    const publisher = newBus(prefix);
    const consumer = newBus(prefix, {
      kafka,
      meterProvider: meters.meterProvider,
      clientRetry: { retries: 1, initialRetryTime: 100, maxRetryTime: 300 },
    });
    const handled: string[] = [];
    consumer.subscribe(OrderCreated, (event) => void handled.push(event.aggregateId));
    await consumer.startConsuming();
    await publisher.publish([orderCreated('before')]);
    await waitFor(() => handled.includes('before'), 'the first event is handled');

    networkDown = true;
    for (const socket of sockets) socket.destroy();
    await waitFor(
      async () => (pointsOf(await meters.metric(KafkaMetricNames.reconnections))[0]?.value ?? 0) >= 1,
      'the consumer restarts',
      30_000,
    );
    const errors = pointsOf(await meters.metric(KafkaMetricNames.connectionErrors));
    expect(errors.reduce((total, point) => total + point.value, 0)).toBeGreaterThanOrEqual(1);
    expect(errors[0]!.attributes['error.type']).toMatch(/^KafkaJS/);

    networkDown = false;
    await publisher.publish([orderCreated('after')]);
    await waitFor(
      () => handled.includes('after'),
      'the event published during the outage is handled after it',
      30_000,
    );
  }, 60_000);
});
