// The seed's example trace with the publisher and the consumer in two processes, and one trace
// when the application also enables @opentelemetry/instrumentation-amqplib.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { captureTelemetry, isChildOf, linksTo, type TelemetryCapture } from '@eventsource/testing';
import { RabbitMQEventBus } from '../src/index.ts';
import { deleteTopology, ParcelRegistered, testOptions, uniqueExchange, waitFor } from './support.ts';

interface ServiceSpan {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly attributes: Record<string, unknown>;
  readonly links: string[];
  readonly scope: string;
}

const fixture = fileURLToPath(new URL('./fixtures/service-process.ts', import.meta.url));
const SPAN_KIND = { producer: 3, consumer: 4 } as const;

/** Runs the fixture service in a Node process of its own; resolves with the spans it finished. */
async function runService(environment: Record<string, string>): Promise<ServiceSpan[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@eventsource/source', '--no-warnings', fixture],
    { env: { ...process.env, ...environment }, timeout: 60_000 },
  );
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('SPANS '));
  if (line === undefined) throw new Error(`The service printed no spans:\n${stdout}`);
  return JSON.parse(line.slice('SPANS '.length)) as ServiceSpan[];
}

function single(spans: readonly ServiceSpan[], name: string): ServiceSpan {
  const matching = spans.filter((span) => span.name === name);
  if (matching.length !== 1)
    throw new Error(
      `Expected one ${name}, got ${matching.length} of: ${spans.map((span) => span.name).join(', ')}`,
    );
  return matching[0]!;
}

let telemetry: TelemetryCapture;
const topologies: [string, string][] = [];

beforeAll(() => {
  telemetry = captureTelemetry();
});

afterAll(async () => {
  for (const [exchange, group] of topologies) await deleteTopology(exchange, [group]);
  await telemetry.shutdown();
}, 30_000);

describe('distributed tracing', () => {
  it('reproduces the seed example trace with publisher and consumer in two processes', async () => {
    const exchange = uniqueExchange('two-process');
    topologies.push([exchange, 'projections']);
    const serviceB = new RabbitMQEventBus(testOptions(exchange, { consumerGroup: 'projections' }));
    try {
      serviceB.subscribe(ParcelRegistered, { name: 'OrderProjection', handle: async () => undefined });
      serviceB.subscribe(ParcelRegistered, { name: 'NotificationService', handle: async () => undefined });
      await serviceB.startConsuming();
      telemetry.reset();

      const serviceA = await runService({ MODE: 'publish', EXCHANGE: exchange });
      const publish = single(serviceA, 'eventsource.event_bus.publish');
      expect(publish.kind).toBe(SPAN_KIND.producer);
      expect(publish.parentSpanId).toBeUndefined();
      expect(publish.attributes).toMatchObject({
        'messaging.system': 'rabbitmq',
        'messaging.destination': exchange,
        'messaging.destination.name': exchange,
        'messaging.operation.type': 'send',
        'messaging.rabbitmq.destination.routing_key': 'Parcel.ParcelRegistered',
        'eventsource.event.type': 'ParcelRegistered',
        'eventsource.aggregate.id': 'parcel-123',
        'server.address': '127.0.0.1',
      });

      await waitFor(
        () => telemetry.spansNamed('eventsource.event_bus.consume').length === 1,
        'service B consumed the event',
      );
      const consume = telemetry.span('eventsource.event_bus.consume');
      expect(consume.kind).toBe(SPAN_KIND.consumer);
      expect(consume.spanContext().traceId).toBe(publish.traceId);
      expect(consume.parentSpanContext?.spanId).toBe(publish.spanId);
      expect(consume.parentSpanContext?.isRemote).toBe(true);
      expect(linksTo(consume, { traceId: publish.traceId, spanId: publish.spanId, traceFlags: 1 })).toBe(
        true,
      );
      expect(consume.attributes).toMatchObject({
        'messaging.system': 'rabbitmq',
        'messaging.consumer.group.name': 'projections',
        'messaging.operation.type': 'process',
        'messaging.rabbitmq.destination.routing_key': 'Parcel.ParcelRegistered',
        'eventsource.event.type': 'ParcelRegistered',
        'eventsource.aggregate.id': 'parcel-123',
      });

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
      await serviceB.close();
    }
  }, 60_000);

  it('stays one trace with @opentelemetry/instrumentation-amqplib enabled as well', async () => {
    const exchange = uniqueExchange('instrumented');
    topologies.push([exchange, 'roundtrip']);
    const spans = await runService({ MODE: 'roundtrip', EXCHANGE: exchange, INSTRUMENT: '1' });
    const publish = single(spans, 'eventsource.event_bus.publish');
    const send = single(spans, `publish ${exchange}`);
    const process = single(spans, `${exchange}.roundtrip process`);
    const consume = single(spans, 'eventsource.event_bus.consume');
    const dispatch = single(spans, 'eventsource.event_bus.dispatch');
    expect(send.scope).toBe('@opentelemetry/instrumentation-amqplib');
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([publish.traceId]));
    expect(send.parentSpanId).toBe(publish.spanId);
    expect(process.parentSpanId).toBe(send.spanId);
    expect(consume.parentSpanId).toBe(process.spanId);
    expect(consume.kind).toBe(SPAN_KIND.consumer);
    expect(consume.links).toEqual([send.spanId]);
    expect(dispatch.parentSpanId).toBe(consume.spanId);
    expect(
      spans.filter((span) => span.name === 'eventsource.event_bus.handle').map((span) => span.parentSpanId),
    ).toEqual([dispatch.spanId, dispatch.spanId]);
  }, 60_000);
});
