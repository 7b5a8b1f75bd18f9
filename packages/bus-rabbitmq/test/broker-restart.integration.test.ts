// The broker goes away and comes back while a publisher and a consumer run: both reconnect by
// themselves, no confirmed message is lost, unconfirmed publishes reject with a clear error, the
// consumer resumes with no help. The broker is a node of this test's own (fixtures/rabbitmq-node.ts).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { UnavailableError } from '@eventsource/core';
import { busMetricNames } from '@eventsource/core/kit';
import { captureTelemetry, sumOf, type TelemetryCapture } from '@eventsource/testing';
import { RabbitMQEventBus, UnconfirmedPublishError } from '../src/index.ts';
import { RabbitMQNode } from './fixtures/rabbitmq-node.ts';
import {
  delay,
  ParcelRegistered,
  parcelRegistered,
  testOptions,
  uniqueExchange,
  waitFor,
} from './support.ts';

let node: RabbitMQNode;
let telemetry: TelemetryCapture;
const names = busMetricNames('rabbitmq');

beforeAll(async () => {
  telemetry = captureTelemetry();
  node = await RabbitMQNode.create();
  await node.start();
}, 90_000);

afterAll(async () => {
  await node?.destroy();
  await telemetry?.shutdown();
}, 60_000);

it('survives a broker restart on both sides with no confirmed message lost', async () => {
  const exchange = uniqueExchange('restart');
  const options = testOptions(exchange, {
    rabbitmqUrl: node.url,
    consumerGroup: 'survivors',
    reconnectDelayMs: 100,
    maxReconnectDelayMs: 500,
    connectionTimeoutMs: 1_000,
    heartbeatSeconds: 5,
  });
  const publisher = new RabbitMQEventBus(options);
  const consumer = new RabbitMQEventBus(options);
  const handled = new Map<string, number>();
  const handledAt: number[] = [];
  consumer.subscribe(ParcelRegistered, (event) => {
    handled.set(event.eventId, (handled.get(event.eventId) ?? 0) + 1);
    handledAt.push(performance.now());
  });
  await consumer.startConsuming();

  // Two loops publish batches of five, so publishes are in flight when the broker stops. The events
  // an UnconfirmedPublishError does not name were confirmed, and count as such.
  const confirmed: string[] = [];
  const confirmedAt: number[] = [];
  const rejected: { eventIds: string[]; error: unknown }[] = [];
  let publishing = true;
  const publishLoop = async (loop: number) => {
    for (let index = 0; publishing; index += 1) {
      const events = Array.from({ length: 5 }, (_, offset) =>
        parcelRegistered(`parcel-${loop}-${index}-${offset}`),
      );
      try {
        await publisher.publish(events);
        confirmed.push(...events.map((event) => event.eventId));
        confirmedAt.push(performance.now());
        await delay(5);
      } catch (error) {
        const unconfirmed = new Set(
          error instanceof UnconfirmedPublishError ? error.unconfirmed.map((message) => message.eventId) : [],
        );
        confirmed.push(
          ...events.filter((event) => !unconfirmed.has(event.eventId)).map((event) => event.eventId),
        );
        rejected.push({ eventIds: events.map((event) => event.eventId), error });
        await delay(50);
      }
    }
  };
  const publishLoops = Promise.all([publishLoop(1), publishLoop(2)]);

  try {
    await waitFor(() => handled.size >= 50, 'traffic flows before the restart');
    const stoppedAt = performance.now();
    const stopMs = await node.stop();
    await delay(1_000);
    const restartedAt = performance.now();
    const startMs = await node.start();
    const upAt = performance.now();
    await waitFor(() => confirmedAt.some((at) => at > upAt), 'the publisher publishes again', 30_000);
    await waitFor(() => handledAt.some((at) => at > upAt), 'the consumer resumed', 30_000);
    const publisherBackMs = confirmedAt.find((at) => at > upAt)! - upAt;
    const consumerBackMs = handledAt.find((at) => at > upAt)! - upAt;
    await delay(500);
    publishing = false;
    await publishLoops;
    await waitFor(
      () => confirmed.every((eventId) => handled.has(eventId)),
      'every confirmed event was handled',
      30_000,
    );

    const lost = confirmed.filter((eventId) => !handled.has(eventId)).length;
    const duplicates = [...handled.values()].filter((count) => count > 1).length;
    const unconfirmed = rejected.flatMap(({ error }) => (error as UnconfirmedPublishError).unconfirmed ?? []);
    const unconfirmedButDelivered = unconfirmed.filter(({ eventId }) => handled.has(eventId)).length;
    const reasons: Record<string, number> = {};
    for (const { reason } of unconfirmed) reasons[reason] = (reasons[reason] ?? 0) + 1;
    console.info(
      'broker restart figures',
      JSON.stringify({
        confirmed: confirmed.length,
        rejectedPublishes: rejected.length,
        unconfirmedEvents: unconfirmed.length,
        unconfirmedReasons: reasons,
        lost,
        duplicates,
        unconfirmedButDelivered,
        brokerStopMs: Math.round(stopMs),
        brokerDownMs: Math.round(upAt - stoppedAt),
        brokerStartMs: Math.round(startMs),
        restartCalledAfterMs: Math.round(restartedAt - stoppedAt),
        publisherBackAfterBrokerUpMs: Math.round(publisherBackMs),
        consumerBackAfterBrokerUpMs: Math.round(consumerBackMs),
      }),
    );
    expect(lost).toBe(0);
    expect(rejected.length).toBeGreaterThan(0);
    for (const { eventIds, error } of rejected) {
      expect(error).toBeInstanceOf(UnconfirmedPublishError);
      expect(error).toBeInstanceOf(UnavailableError);
      const named = (error as UnconfirmedPublishError).unconfirmed.map((message) => message.eventId);
      expect(named.length).toBeGreaterThan(0);
      for (const eventId of named) {
        expect(eventIds).toContain(eventId);
        expect((error as Error).message).toContain(eventId);
      }
      expect((error as Error).message).not.toContain('guest:guest');
    }
    expect(sumOf(await telemetry.metric(names.reconnections))).toBeGreaterThanOrEqual(2);
    expect(sumOf(await telemetry.metric(names.connectionErrors))).toBeGreaterThanOrEqual(1);
    // Subscribed once at start and again after the restart.
    expect(sumOf(await telemetry.metric(names.rebalances))).toBeGreaterThanOrEqual(2);
  } finally {
    publishing = false;
    await publishLoops;
    await publisher.close();
    await consumer.close();
  }
}, 120_000);
