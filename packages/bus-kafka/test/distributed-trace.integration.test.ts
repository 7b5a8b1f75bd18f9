import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { captureTelemetry, isChildOf, linksTo, type TelemetryCapture } from '@eventsource/testing';
import { KafkaEventBus } from '../src/index.ts';
import { deleteTopics, OrderCreated, orderRegistry, testOptions, uniquePrefix, waitFor } from './support.ts';

interface ExportedSpan {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly attributes: Record<string, unknown>;
  readonly links: string[];
  readonly scope: string;
}

const fixture = fileURLToPath(new URL('./fixtures/kafka-process.ts', import.meta.url));

/** Runs the fixture service in its own Node process and returns the spans it exported. */
async function runService(environment: Record<string, string>): Promise<ExportedSpan[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@eventsource/source', '--no-warnings', fixture],
    {
      env: { ...process.env, ...environment },
      timeout: 60_000,
    },
  );
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('SPANS '));
  if (line === undefined) throw new Error(`The service printed no spans:\n${stdout}`);
  return JSON.parse(line.slice('SPANS '.length)) as ExportedSpan[];
}

function only(spans: readonly ExportedSpan[], name: string): ExportedSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1)
    throw new Error(
      `Expected one ${name}, got ${found.length}: ${spans.map((span) => span.name).join(', ')}`,
    );
  return found[0]!;
}

let telemetry: TelemetryCapture;
const prefixes: string[] = [];

beforeAll(() => {
  telemetry = captureTelemetry();
});

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteTopics(prefix)));
  await telemetry.shutdown();
}, 30_000);

describe('distributed tracing across processes', () => {
  it('reproduces the seed example trace with publisher and consumer in two processes', async () => {
    const prefix = uniquePrefix('twoprocess');
    prefixes.push(prefix);
    const consumer = new KafkaEventBus(
      testOptions(prefix, { registry: orderRegistry(), consumerGroup: `${prefix}-projections` }),
    );
    try {
      consumer.subscribe(OrderCreated, { name: 'OrderProjection', handle: async () => undefined });
      consumer.subscribe(OrderCreated, { name: 'NotificationService', handle: async () => undefined });
      await consumer.startConsuming();
      telemetry.reset();

      const serviceA = await runService({ MODE: 'publish', PREFIX: prefix });
      const publish = only(serviceA, 'eventsource.event_bus.publish');
      expect(publish.kind).toBe(3);
      expect(publish.parentSpanId).toBeUndefined();
      expect(publish.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'eventsource.event.type': 'OrderCreated',
        'eventsource.aggregate.id': 'order-123',
      });

      await waitFor(
        () => telemetry.spansNamed('eventsource.event_bus.consume').length === 1,
        'service B consumed the event',
      );
      const consume = telemetry.span('eventsource.event_bus.consume');
      expect(consume.kind).toBe(4);
      expect(consume.spanContext().traceId).toBe(publish.traceId);
      expect(consume.parentSpanContext?.spanId).toBe(publish.spanId);
      expect(consume.parentSpanContext?.isRemote).toBe(true);
      expect(linksTo(consume, { traceId: publish.traceId, spanId: publish.spanId, traceFlags: 1 })).toBe(
        true,
      );
      expect(consume.attributes['eventsource.event.type']).toBe('OrderCreated');

      const dispatch = telemetry.span('eventsource.event_bus.dispatch');
      expect(isChildOf(dispatch, consume)).toBe(true);
      expect(dispatch.attributes['eventsource.handler.count']).toBe(2);
      const handles = telemetry.spansNamed('eventsource.event_bus.handle');
      expect(
        handles.map((span) => [
          span.attributes['eventsource.handler.name'],
          span.attributes['eventsource.handler.success'],
        ]),
      ).toEqual([
        ['OrderProjection', true],
        ['NotificationService', true],
      ]);
      for (const handle of handles) expect(isChildOf(handle, dispatch)).toBe(true);
    } finally {
      await consumer.close();
    }
  }, 60_000);

  it('stays one connected trace when the user also enables @opentelemetry/instrumentation-kafkajs', async () => {
    const prefix = uniquePrefix('instrumented');
    prefixes.push(prefix);
    const spans = await runService({ MODE: 'roundtrip', PREFIX: prefix, INSTRUMENT: '1' });
    const publish = only(spans, 'eventsource.event_bus.publish');
    const send = only(spans, `send ${prefix}.stream`);
    const process = only(spans, `process ${prefix}.stream`);
    const consume = only(spans, 'eventsource.event_bus.consume');
    const dispatch = only(spans, 'eventsource.event_bus.dispatch');
    expect(send.scope).toBe('@opentelemetry/instrumentation-kafkajs');
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([publish.traceId]));
    expect(send.parentSpanId).toBe(publish.spanId);
    expect(process.parentSpanId).toBe(send.spanId);
    expect(consume.parentSpanId).toBe(process.spanId);
    expect(consume.kind).toBe(4);
    expect(consume.links).toEqual([send.spanId]);
    expect(dispatch.parentSpanId).toBe(consume.spanId);
    expect(
      spans.filter((span) => span.name === 'eventsource.event_bus.handle').map((span) => span.parentSpanId),
    ).toEqual([dispatch.spanId, dispatch.spanId]);
  }, 60_000);
});
