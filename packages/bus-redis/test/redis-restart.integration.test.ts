import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { captureTelemetry, sumOf, type TelemetryCapture } from '@eventsource/testing';
import { RedisEventBus } from '../src/index.ts';
import { startOwnRedis, type OwnRedis } from './own-redis.ts';
import { OrderPlaced, orderPlaced, testOptions, uniquePrefix, waitFor } from './support.ts';

let redis: OwnRedis;
let telemetry: TelemetryCapture;

beforeAll(async () => {
  telemetry = captureTelemetry();
  redis = await startOwnRedis();
}, 30_000);

afterAll(async () => {
  await redis?.stop();
  await telemetry.shutdown();
}, 30_000);

it('survives a Redis crash and restart: both sides reconnect, no accepted entry is lost', async () => {
  const prefix = uniquePrefix('restart');
  const options = testOptions(prefix, {
    redisUrl: redis.url,
    maxReconnectDelayMs: 200,
    pendingIdleMs: 2_000,
  });
  const publisher = new RedisEventBus(options);
  const consumer = new RedisEventBus(options);
  const handled = new Map<string, number>();
  consumer.subscribe(
    OrderPlaced,
    (event) => void handled.set(event.eventId, (handled.get(event.eventId) ?? 0) + 1),
  );
  try {
    await consumer.startConsuming();
    const accepted = new Set<string>();
    const rejected: string[] = [];
    let crashedAt = 0;
    let restartedAt = 0;
    let firstAcceptedAfterRestart = 0;
    let publishing = true;
    const publishLoop = (async () => {
      for (let index = 0; publishing; index += 1) {
        const event = orderPlaced(`order-${index % 50}`, index);
        try {
          await publisher.publish([event]);
          accepted.add(event.eventId);
          if (restartedAt > 0 && firstAcceptedAfterRestart === 0) firstAcceptedAfterRestart = Date.now();
        } catch (error) {
          rejected.push((error as Error).name);
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await waitFor(() => accepted.size >= 200, '200 entries accepted before the crash');
    await redis.kill();
    crashedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await redis.start();
    restartedAt = Date.now();
    await waitFor(() => firstAcceptedAfterRestart > 0, 'a publish accepted after the restart', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    publishing = false;
    await publishLoop;

    await waitFor(
      () => [...accepted].every((eventId) => handled.has(eventId)),
      'every accepted entry handled',
      30_000,
    );
    const lost = [...accepted].filter((eventId) => !handled.has(eventId));
    const duplicates = [...handled.values()].filter((count) => count > 1).length;
    const reconnections = sumOf(await telemetry.metric('redis.eventbus.reconnections'));
    const connectionErrors = sumOf(await telemetry.metric('redis.eventbus.connection.errors'));
    // Figures for the issue note.
    console.info(
      JSON.stringify({
        accepted: accepted.size,
        rejected: rejected.length,
        handled: handled.size,
        lost: lost.length,
        duplicates,
        downMs: restartedAt - crashedAt,
        firstAcceptedAfterRestartMs: firstAcceptedAfterRestart - restartedAt,
        reconnections,
        connectionErrors,
      }),
    );
    expect(lost).toEqual([]);
    expect(reconnections).toBeGreaterThanOrEqual(2);
    expect(connectionErrors).toBeGreaterThan(0);
    // The consumer goes on with no help: a new publish after the restart is handled.
    const after = orderPlaced('after-restart');
    await publisher.publish([after]);
    await waitFor(() => handled.has(after.eventId), 'an entry published after the restart handled');
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- redis log ---\n${redis.log().slice(-3_000)}`, {
      cause: error,
    });
  } finally {
    await Promise.all([publisher.close(), consumer.close()]);
  }
}, 90_000);
