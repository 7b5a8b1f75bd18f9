// With @opentelemetry/instrumentation-amqplib enabled as an application would, our spans and the
// instrumentation's form one trace. (The seed's example trace across two processes is a case of
// the event-bus contract, contract.integration.test.ts.)
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { onlySpan, runSpanProcess } from '@eventsource/testing/span-process';
import { deleteTopology, uniqueExchange } from './support.ts';

const fixture = fileURLToPath(new URL('./fixtures/instrumented-process.ts', import.meta.url));
const CONSUMER_KIND = 4;
const topologies: [string, string][] = [];

afterAll(async () => {
  for (const [exchange, group] of topologies) await deleteTopology(exchange, [group]);
}, 30_000);

describe('tracing with a transport instrumentation', () => {
  it('stays one trace with @opentelemetry/instrumentation-amqplib enabled as well', async () => {
    const exchange = uniqueExchange('instrumented');
    topologies.push([exchange, 'roundtrip']);
    const spans = await runSpanProcess(fixture, { EXCHANGE: exchange });
    const publish = onlySpan(spans, 'eventsource.event_bus.publish');
    const send = onlySpan(spans, `publish ${exchange}`);
    const process = onlySpan(spans, `${exchange}.roundtrip process`);
    const consume = onlySpan(spans, 'eventsource.event_bus.consume');
    const dispatch = onlySpan(spans, 'eventsource.event_bus.dispatch');
    expect(send.scope).toBe('@opentelemetry/instrumentation-amqplib');
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([publish.traceId]));
    expect(send.parentSpanId).toBe(publish.spanId);
    expect(process.parentSpanId).toBe(send.spanId);
    expect(consume.parentSpanId).toBe(process.spanId);
    expect(consume.kind).toBe(CONSUMER_KIND);
    expect(consume.links).toEqual([send.spanId]);
    expect(dispatch.parentSpanId).toBe(consume.spanId);
    expect(
      spans.filter((span) => span.name === 'eventsource.event_bus.handle').map((span) => span.parentSpanId),
    ).toEqual([dispatch.spanId, dispatch.spanId]);
  }, 60_000);
});
