import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { AuthenticationError, configureLogging, type Logger } from '@eventsource/core';
import { captureTelemetry, type TelemetryCapture } from '@eventsource/testing';
import { RabbitMQEventBus } from '../src/index.ts';
import {
  closeConnectionFromBroker,
  deleteTopology,
  ParcelRegistered,
  parcelRegistered,
  rabbitmqUrl,
  testOptions,
  uniqueExchange,
  waitFor,
} from './support.ts';

const WRONG_PASSWORD = 'pw-Never-Shown-51c9';
const records: string[] = [];
let telemetry: TelemetryCapture;
const exchange = uniqueExchange('redaction');

function recordingLogger(bindings: Record<string, unknown> = {}): Logger {
  const write = (fields: unknown, message?: string) =>
    void records.push(JSON.stringify({ bindings, fields, message }));
  return {
    debug: write,
    info: write,
    warn: write,
    error: write,
    child: (more: Record<string, unknown>) => recordingLogger({ ...bindings, ...more }),
  } as Logger;
}

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent } as unknown as Logger;

beforeAll(() => {
  telemetry = captureTelemetry();
  configureLogging(recordingLogger(), { levels: { eventsource: 'debug' } });
});

afterAll(async () => {
  configureLogging(silent);
  await deleteTopology(exchange, ['redacted']);
  await telemetry.shutdown();
}, 30_000);

it('keeps the password out of errors, logs, spans and metrics', async () => {
  const right = new URL(rabbitmqUrl);
  const wrongUrl = new URL(rabbitmqUrl);
  wrongUrl.password = WRONG_PASSWORD;
  const refused = new RabbitMQEventBus(
    testOptions(uniqueExchange('refused'), { rabbitmqUrl: wrongUrl.toString() }),
  );
  const publishError = await refused
    .publish([parcelRegistered('parcel-1')])
    .catch((caught: unknown) => caught);
  const consumeError = await refused.startConsuming().catch((caught: unknown) => caught);
  await refused.close();
  expect(publishError).toBeInstanceOf(AuthenticationError);
  expect(consumeError).toBeInstanceOf(AuthenticationError);
  expect((publishError as Error).message).toContain(`as ${decodeURIComponent(right.username)}`);
  expect((consumeError as Error).message).toContain('ACCESS_REFUSED');
  expect((consumeError as Error).message).toContain(`${right.hostname}:${right.port}`);

  // The right password, and a broker-side disconnect so the reconnect path logs too.
  const consumerName = `redaction-${exchange}`;
  const bus = new RabbitMQEventBus(testOptions(exchange, { consumerGroup: 'redacted', consumerName }));
  try {
    const handled: string[] = [];
    bus.subscribe(ParcelRegistered, (event) => void handled.push(event.aggregateId));
    await bus.startConsuming();
    await closeConnectionFromBroker(`${consumerName} consumer`);
    await bus.publish([parcelRegistered('parcel-2')]);
    await waitFor(() => handled.includes('parcel-2'), 'handled after the reconnect');
  } finally {
    await bus.close();
  }

  const secrets = [
    WRONG_PASSWORD,
    encodeURIComponent(WRONG_PASSWORD),
    `:${decodeURIComponent(right.password)}@`,
  ];
  const everything = [
    String((publishError as Error).message),
    String((publishError as Error).stack),
    String((consumeError as Error).message),
    ...records,
    JSON.stringify(telemetry.spans().map((span) => [span.name, span.attributes, span.events])),
    JSON.stringify(await telemetry.metrics()),
  ].join('\n');
  expect(records.some((record) => record.includes('re-established'))).toBe(true);
  for (const secret of secrets) expect(everything).not.toContain(secret);
}, 60_000);
