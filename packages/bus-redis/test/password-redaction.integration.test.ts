import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { AuthenticationError, configureLogging, type Logger } from '@eventsource/core';
import { captureTelemetry, type TelemetryCapture } from '@eventsource/testing';
import { RedisEventBus } from '../src/index.ts';
import { startOwnRedis, type OwnRedis } from './own-redis.ts';
import { OrderPlaced, orderPlaced, testOptions, uniquePrefix, waitFor } from './support.ts';

const PASSWORD = 'pw-Do-Not-Leak-7f3a';
let redis: OwnRedis | undefined;
let telemetry: TelemetryCapture;
const records: string[] = [];

function recordingLogger(bindings: Record<string, unknown> = {}): Logger {
  const write = (fields: unknown, message?: string) =>
    void records.push(JSON.stringify({ bindings, fields, message }));
  return {
    debug: write,
    info: write,
    warn: write,
    error: write,
    child: (more) => recordingLogger({ ...bindings, ...more }),
  } as Logger;
}

beforeAll(async () => {
  telemetry = captureTelemetry();
  configureLogging(recordingLogger(), { levels: { eventsource: 'debug' } });
  redis = await startOwnRedis(['--requirepass', PASSWORD]);
}, 30_000);

afterAll(async () => {
  configureLogging({
    debug() {},
    info() {},
    warn() {},
    error() {},
    child: () => recordingLogger(),
  } as Logger);
  await redis?.stop();
  await telemetry.shutdown();
}, 30_000);

it('keeps the password out of errors, logs, spans and metrics, with a wrong and a right password', async () => {
  const port = new URL(redis!.url).port;
  const wrong = new RedisEventBus(
    testOptions(uniquePrefix('wrongpw'), {
      redisUrl: `redis://default:${PASSWORD}-wrong@127.0.0.1:${port}`,
      maxRetriesPerRequest: 0,
    }),
  );
  const error = await wrong.publish([orderPlaced('o-1')]).catch((caught: unknown) => caught);
  await wrong.close();
  expect(error).toBeInstanceOf(AuthenticationError);
  expect((error as Error).cause).toMatchObject({ name: 'ReplyError' });
  expect((error as Error).message).toContain(`127.0.0.1:${port}`);

  await using right = new RedisEventBus(
    testOptions(uniquePrefix('rightpw'), { redisUrl: `redis://default:${PASSWORD}@127.0.0.1:${port}` }),
  );
  const handled = Promise.withResolvers<void>();
  right.subscribe(OrderPlaced, () => handled.resolve());
  await right.startConsuming();
  await right.publish([orderPlaced('o-2')]);
  await handled.promise;
  await waitFor(() => telemetry.spansNamed('eventsource.event_bus.handle').length > 0, 'handle span ended');

  const everything = [
    (error as Error).message,
    String((error as Error).stack),
    ...records,
    JSON.stringify(telemetry.spans().map((span) => [span.name, span.attributes, span.events])),
    JSON.stringify(await telemetry.metrics()),
  ].join('\n');
  expect(records.length).toBeGreaterThan(0);
  expect(everything).not.toContain(PASSWORD);
}, 60_000);
