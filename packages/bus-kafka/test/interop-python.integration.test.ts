import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, trace } from '@opentelemetry/api';
import { defineEvent, EventRegistry, type DomainEvent } from '@eventsource/core';
import { captureTelemetry, type TelemetryCapture } from '@eventsource/testing';
import type { TraceSpan } from '@eventsource/testing/trace-tree';
import { KafkaEventBus } from '../src/index.ts';
import {
  exportSpansToJaeger,
  interopPython,
  jaegerTrace,
  runPythonScript,
  startPythonScript,
} from './interop-python-support.ts';
import { deleteTopics, testOptions, uniquePrefix, waitFor } from './support.ts';

// The same event types as test/interop/interop_events.py. Python datetimes travel as ISO strings,
// so `placed_at` is read back as a string (a schema with a date coercion would make it a Date).
interface OrderPlacedData {
  readonly customer: string;
  readonly total: number;
  readonly units: bigint;
  readonly lines: readonly { readonly sku: string; readonly qty: number }[];
  readonly placed_at: string | Date;
  readonly note: string | null;
}
const OrderPlaced = defineEvent<OrderPlacedData, 'OrderPlaced'>('OrderPlaced', { aggregateType: 'Order' });
const OrderShipped = defineEvent<{ carrier: string; parcels: number }, 'OrderShipped'>('OrderShipped', {
  aggregateType: 'Order',
});

type PythonEvent = Record<string, unknown> & { event_id: string; occurred_at: string };
interface PublishResult {
  readonly traceId: string;
  readonly spanId: string;
  readonly events: PythonEvent[];
}
interface ConsumeResult {
  readonly received: { event: PythonEvent; traceId: string; spanId: string }[];
  readonly timedOut: boolean;
}

const ORDERS = 5;
const EVENTS_EACH_WAY = ORDERS * 2;
const ENVELOPE = new Set([
  'event_id',
  'event_type',
  'event_version',
  'occurred_at',
  'aggregate_id',
  'aggregate_type',
  'aggregate_version',
  'tenant_id',
  'actor_id',
  'correlation_id',
  'causation_id',
  'metadata',
]);

/** What our consumer must hand its handlers for an event Python dumped: microseconds truncated to milliseconds. */
function expectedFromPython(dump: PythonEvent): DomainEvent {
  const data = Object.fromEntries(Object.entries(dump).filter(([key]) => !ENVELOPE.has(key)));
  const micros = /\.(\d{6})Z$/.exec(dump.occurred_at);
  const occurredAt = new Date(dump.occurred_at.replace(/\.(\d{3})\d{3}Z$/, '.$1Z'));
  expect(micros).not.toBeNull();
  return {
    eventId: dump.event_id,
    eventType: dump.event_type as string,
    eventVersion: dump.event_version as number,
    aggregateId: dump.aggregate_id as string,
    aggregateType: dump.aggregate_type as string,
    aggregateVersion: dump.aggregate_version as number,
    occurredAt,
    correlationId: dump.correlation_id as string,
    causationId: dump.causation_id as string | null,
    ...(dump.tenant_id === null ? {} : { tenantId: dump.tenant_id as string }),
    ...(dump.actor_id === null ? {} : { actorId: dump.actor_id as string }),
    metadata: dump.metadata as Record<string, unknown>,
    data,
  };
}

/** A millisecond instant as pydantic dumps a UTC datetime (six fraction digits, `Z`). */
function pythonInstant(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** What eventsource-py's `model_dump(mode="json")` must show for an event we published. */
function expectedInPython(event: DomainEvent): Record<string, unknown> {
  const data = event.data as Record<string, unknown>;
  return {
    event_id: event.eventId,
    event_type: event.eventType,
    event_version: event.eventVersion,
    occurred_at: pythonInstant(event.occurredAt),
    aggregate_id: event.aggregateId,
    aggregate_type: event.aggregateType,
    aggregate_version: event.aggregateVersion,
    tenant_id: event.tenantId ?? null,
    actor_id: event.actorId ?? null,
    correlation_id: event.correlationId,
    causation_id: event.causationId,
    metadata: event.metadata,
    ...data,
    ...(data.placed_at instanceof Date ? { placed_at: pythonInstant(data.placed_at) } : {}),
  };
}

function typescriptEvents(): DomainEvent[] {
  const tenantId = randomUUID();
  const correlationId = randomUUID();
  return Array.from({ length: ORDERS }, (_, index) => {
    const aggregateId = randomUUID();
    const placed = OrderPlaced.create(
      {
        customer: `ts-customer-${index}`,
        total: 20.25 + index,
        units: 98765432109876543210n + BigInt(index),
        lines: [{ sku: `TS-${index}`, qty: index + 2 }],
        placed_at: new Date(Date.UTC(2026, 5, 1 + index, 8, 30, 15, 250 + index)),
        note: index % 2 === 0 ? null : `ts note ${index}`,
      },
      {
        aggregateId,
        tenantId,
        correlationId,
        actorId: `ts-user-${index}`,
        metadata: { source: 'typescript', index },
      },
    );
    const shipped = OrderShipped.create(
      { carrier: 'UPS', parcels: index + 1 },
      { aggregateId, aggregateVersion: 2, tenantId, correlationId, causationId: placed.eventId },
    );
    return [placed, shipped];
  }).flat();
}

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
  await Promise.all(prefixes.map((prefix) => deleteTopics(prefix)));
  await telemetry?.shutdown();
}, 30_000);

describe("KafkaEventBus with wireFormat 'eventsource-py' and eventsource-py 0.15.1's KafkaEventBus", () => {
  it('delivers every event both ways on one topic, fields equal, nothing dead-lettered, one trace per publish', async () => {
    const prefix = uniquePrefix('interop-py');
    prefixes.push(prefix);
    const run = prefix.slice(-8);
    const registry = new EventRegistry();
    registry.register(OrderPlaced);
    registry.register(OrderShipped);
    const options = { registry, wireFormat: 'eventsource-py' as const };
    const consumer = new KafkaEventBus(testOptions(prefix, { ...options, consumerGroup: `${prefix}-ts` }));
    const publisher = new KafkaEventBus(testOptions(prefix, options));
    const received: DomainEvent[] = [];
    consumer.subscribeAll((event) => {
      received.push(event);
    });
    try {
      await consumer.startConsuming();

      // Python consumer (its own group) in the background; it reads the topic from the start.
      const pythonConsumer = startPythonScript<ConsumeResult>(python, 'consume_events.py', {
        INTEROP_TOPIC_PREFIX: prefix,
        INTEROP_SERVICE_NAME: `interop-py-consumer-${run}`,
        INTEROP_CONSUMER_GROUP: `${prefix}-py`,
        INTEROP_EXPECTED: String(EVENTS_EACH_WAY * 2),
        INTEROP_TIMEOUT_S: '45',
      });

      // Python -> TypeScript.
      const fromPython = await runPythonScript<PublishResult>(python, 'publish_events.py', {
        INTEROP_TOPIC_PREFIX: prefix,
        INTEROP_SERVICE_NAME: `interop-py-publisher-${run}`,
        INTEROP_ORDERS: String(ORDERS),
      });
      expect(fromPython.events).toHaveLength(EVENTS_EACH_WAY);

      // TypeScript -> Python, inside one span of ours as a request handler would be.
      const ours = typescriptEvents();
      const checkout = await trace
        .getTracer('interop-python-test')
        .startActiveSpan('interop.ts.checkout', async (span) => {
          await publisher.publish(ours);
          span.end();
          return span.spanContext();
        });

      await waitFor(
        () => received.length >= EVENTS_EACH_WAY * 2,
        `our consumer got ${received.length} of ${EVENTS_EACH_WAY * 2} events`,
        30_000,
      );
      const pythonSide = await pythonConsumer.result;
      expect(pythonSide.timedOut).toBe(false);

      // Python -> TypeScript: every envelope field and payload field equal.
      const byId = new Map(received.map((event) => [event.eventId, event]));
      for (const dump of fromPython.events) expect(byId.get(dump.event_id)).toEqual(expectedFromPython(dump));
      // TypeScript -> Python: what eventsource-py's model holds is what we published.
      const inPython = new Map(pythonSide.received.map((entry) => [entry.event.event_id, entry]));
      for (const event of ours) expect(inPython.get(event.eventId)?.event).toEqual(expectedInPython(event));
      // And each side read its own events back through the same format.
      for (const event of ours) {
        const data = event.data as Record<string, unknown>;
        const placedAt = data.placed_at instanceof Date ? pythonInstant(data.placed_at) : data.placed_at;
        expect(byId.get(event.eventId)).toEqual({ ...event, data: { ...data, placed_at: placedAt } });
      }
      expect(received).toHaveLength(EVENTS_EACH_WAY * 2);
      expect(pythonSide.received).toHaveLength(EVENTS_EACH_WAY * 2);
      expect(await consumer.dlqMessageCount()).toBe(0);

      // One trace per publish, across both languages.
      const pythonIds = new Set(fromPython.events.map((event) => event.event_id));
      const ourConsumeSpans = telemetry
        .spans()
        .filter(
          (span) =>
            span.kind === SpanKind.CONSUMER && pythonIds.has(String(span.attributes['eventsource.event.id'])),
        );
      expect(ourConsumeSpans).toHaveLength(EVENTS_EACH_WAY);
      for (const span of ourConsumeSpans) {
        expect(span.spanContext().traceId).toBe(fromPython.traceId);
        expect(span.parentSpanContext?.spanId).toBe(fromPython.spanId);
      }
      const ourPublishSpans = telemetry
        .spans()
        .filter((span) => span.kind === SpanKind.PRODUCER && span.spanContext().traceId === checkout.traceId);
      expect(ourPublishSpans).toHaveLength(EVENTS_EACH_WAY);
      const ourPublishSpanIds = new Set(ourPublishSpans.map((span) => span.spanContext().spanId));
      for (const event of ours) {
        expect(inPython.get(event.eventId)?.traceId).toBe(checkout.traceId);
      }

      await exportSpansToJaeger(telemetry.spans(), `interop-ts-${run}`);
      const ourService = `interop-ts-${run}`;
      const pythonConsumerService = `interop-py-consumer-${run}`;
      const ourConsumersOfPython = (spans: readonly TraceSpan[]) =>
        spans.filter(
          (span) =>
            span.serviceName === ourService &&
            span.kind === 'consumer' &&
            span.parentSpanId === fromPython.spanId,
        );
      const pythonConsumersOfOurs = (spans: readonly TraceSpan[]) =>
        spans.filter((span) => span.serviceName === pythonConsumerService && span.kind === 'consumer');
      const pythonTrace = await jaegerTrace(
        fromPython.traceId,
        (spans) =>
          spans.some((span) => span.spanId === fromPython.spanId) &&
          ourConsumersOfPython(spans).length === EVENTS_EACH_WAY,
      );
      const typescriptTrace = await jaegerTrace(
        checkout.traceId,
        (spans) => pythonConsumersOfOurs(spans).length === EVENTS_EACH_WAY,
      );
      process.stderr.write(`${traceSummary(pythonTrace)}\n${traceSummary(typescriptTrace)}\n`);

      // Python publish -> our consume spans, children of the Python span that was current.
      expect(pythonTrace.find((span) => span.spanId === fromPython.spanId)?.serviceName).toBe(
        `interop-py-publisher-${run}`,
      );
      expect(ourConsumersOfPython(pythonTrace)).toHaveLength(EVENTS_EACH_WAY);
      // Our publish -> eventsource-py's consume spans, children of our PRODUCER spans.
      expect(pythonConsumersOfOurs(typescriptTrace)).toHaveLength(EVENTS_EACH_WAY);
      for (const span of pythonConsumersOfOurs(typescriptTrace))
        expect(ourPublishSpanIds.has(span.parentSpanId ?? '')).toBe(true);
      expect(
        typescriptTrace.filter((span) => span.serviceName === ourService && span.kind === 'producer'),
      ).toHaveLength(EVENTS_EACH_WAY);
    } finally {
      await publisher.close();
      await consumer.close();
    }
  }, 120_000);
});

/** `trace <id>: <service> <n> spans, ...`: what Jaeger holds of one trace, per service. */
function traceSummary(spans: readonly TraceSpan[]): string {
  const counts = new Map<string, number>();
  for (const span of spans) counts.set(span.serviceName, (counts.get(span.serviceName) ?? 0) + 1);
  const services = [...counts].map(([service, count]) => `${service} ${count} spans`).join(', ');
  return `[interop-python] Jaeger trace ${spans[0]?.traceId ?? '(none)'}: ${services}`;
}
