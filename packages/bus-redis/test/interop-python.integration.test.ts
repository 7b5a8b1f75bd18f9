import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DomainEvent } from '@eventsource/core';
import { captureTelemetry, type TelemetryCapture } from '@eventsource/testing';
import type { TraceSpan } from '@eventsource/testing/trace-tree';
import { RedisEventBus } from '../src/index.ts';
// The interop helpers and the Python scripts are shared with the Kafka and RabbitMQ interop tests.
import {
  EVENTS_EACH_WAY,
  interopRegistry,
  traceSummary,
} from '../../bus-kafka/test/interop-python-events.ts';
import {
  exportSpansToJaeger,
  interopPython,
  jaegerTrace,
} from '../../bus-kafka/test/interop-python-support.ts';
import {
  exchangeBothWays,
  expectSameEventsBothWays,
  ourConsumeSpansOfPython,
} from '../../bus-kafka/test/interop-python-exchange.ts';
import { deleteStreams, rawRedis, redisUrl, testOptions, uniquePrefix } from './support.ts';

/** The fields eventsource-py's Redis bus writes to each stream entry (`adapters/redis/bus_publish.py`). */
const PYTHON_FIELDS = [
  'event_id',
  'event_type',
  'aggregate_id',
  'aggregate_type',
  'tenant_id',
  'occurred_at',
  'payload',
];

let telemetry: TelemetryCapture;
let python: string;
const prefixes: string[] = [];

beforeAll(async () => {
  const started = Date.now();
  python = await interopPython();
  process.stderr.write(`[interop-python] venv ready after ${Date.now() - started} ms: ${python}\n`);
  telemetry = captureTelemetry();
}, 300_000);

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteStreams(prefix)));
  await telemetry?.shutdown();
}, 30_000);

describe("RedisEventBus with wireFormat 'eventsource-py' and eventsource-py 0.15.1's RedisEventBus", () => {
  it('delivers every event both ways on one stream, fields equal, nothing dead-lettered or pending; Python drops the trace', async () => {
    // Python's stream_prefix is our streamPrefix: both use the stream `<prefix>:stream`.
    const prefix = uniquePrefix('interop-py');
    prefixes.push(prefix);
    const run = prefix.slice(-8);
    const options = { registry: interopRegistry(), wireFormat: 'eventsource-py' as const };
    const consumer = new RedisEventBus(testOptions(prefix, { ...options, consumerGroup: 'ts' }));
    const publisher = new RedisEventBus(testOptions(prefix, options));
    const received: DomainEvent[] = [];
    consumer.subscribeAll((event) => {
      received.push(event);
    });
    const redis = rawRedis();
    try {
      await consumer.startConsuming();
      const target = { bus: 'redis', url: redisUrl, prefix } as const;
      // Python consumer (its own group, created at the stream's start) in the background; Python
      // publishes inside a span, which eventsource-py's Redis bus does not propagate.
      const result = await exchangeBothWays({
        python,
        target,
        run,
        pythonGroup: 'py',
        publisher,
        received,
        awaitPythonConsumer: true,
      });
      const { fromPython, ours, checkout, pythonSide } = result;
      const inPython = new Map(pythonSide.received.map((entry) => [entry.event.event_id, entry]));
      expectSameEventsBothWays(result, received);
      // Nothing dead-lettered (both use `<prefix>:stream_dlq`), nothing left pending in either group
      // (eventsource-py leaves a message it cannot handle pending).
      expect(await consumer.dlqMessageCount()).toBe(0);
      expect(await redis.xlen(`${prefix}:stream_dlq`)).toBe(0);
      for (const group of ['ts', 'py'])
        expect((await redis.xpending(`${prefix}:stream`, group)) as unknown[]).toEqual([0, null, null, null]);

      // On the wire every entry has the fields eventsource-py writes and reads; ours add the rest
      // of the eventsource-py headers and the trace context.
      const entries = await redis.xrange(`${prefix}:stream`, '-', '+');
      expect(entries).toHaveLength(EVENTS_EACH_WAY * 2);
      for (const [, flat] of entries) {
        const fields = Object.fromEntries(
          flat.flatMap((value, index) => (index % 2 === 0 ? [[value, flat[index + 1]]] : [])),
        ) as Record<string, string>;
        const payload = JSON.parse(fields.payload ?? '{}') as Record<string, string | null>;
        expect(Object.keys(fields)).toEqual(expect.arrayContaining(PYTHON_FIELDS));
        expect(fields).toMatchObject({
          event_id: payload.event_id,
          event_type: payload.event_type,
          aggregate_id: payload.aggregate_id,
          aggregate_type: payload.aggregate_type,
          tenant_id: payload.tenant_id ?? '',
        });
        expect(new Date(fields.occurred_at ?? '').getTime()).toBe(
          new Date(String(payload.occurred_at)).getTime(),
        );
        const fromUs = ours.some((event) => event.eventId === payload.event_id);
        expect(fields.traceparent !== undefined).toBe(fromUs);
      }

      // The trace: eventsource-py's Redis bus neither writes nor reads trace context. Our consumer
      // starts a new trace for each Python event; Python's consumer does the same for ours.
      for (const span of ourConsumeSpansOfPython(result, telemetry.spans())) {
        expect(span.spanContext().traceId).not.toBe(fromPython.traceId);
        expect(span.parentSpanContext).toBeUndefined();
      }
      for (const event of ours) {
        const traceId = inPython.get(event.eventId)?.traceId;
        expect(traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(traceId).not.toBe(checkout.traceId);
      }

      // So only our side's trace is whole: our publish spans under the checkout span, in Jaeger.
      const ourService = `interop-ts-${run}`;
      await exportSpansToJaeger(telemetry.spans(), ourService);
      const ourProducers = (spans: readonly TraceSpan[]) =>
        spans.filter((span) => span.serviceName === ourService && span.kind === 'producer');
      const typescriptTrace = await jaegerTrace(
        checkout.traceId,
        (spans) => ourProducers(spans).length === EVENTS_EACH_WAY,
      );
      process.stderr.write(`${traceSummary(typescriptTrace)}\n`);
      expect(ourProducers(typescriptTrace)).toHaveLength(EVENTS_EACH_WAY);
      expect(typescriptTrace.filter((span) => span.serviceName !== ourService)).toEqual([]);
    } finally {
      redis.disconnect();
      await publisher.close();
      await consumer.close();
    }
  }, 90_000);
});
