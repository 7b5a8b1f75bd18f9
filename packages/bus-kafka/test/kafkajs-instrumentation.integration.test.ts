// With @opentelemetry/instrumentation-kafkajs enabled as a user would, our spans and the
// instrumentation's form one trace. (The seed's example trace across two processes is a case of
// the event-bus contract, contract.integration.test.ts.)
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { onlySpan, runSpanProcess } from '@eventsource/testing/span-process';
import { deleteTopics, uniquePrefix } from './support.ts';

const fixture = fileURLToPath(new URL('./fixtures/instrumented-process.ts', import.meta.url));
const prefixes: string[] = [];

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteTopics(prefix)));
}, 30_000);

describe('tracing with a transport instrumentation', () => {
  it('stays one connected trace when the user also enables @opentelemetry/instrumentation-kafkajs', async () => {
    const prefix = uniquePrefix('instrumented');
    prefixes.push(prefix);
    const spans = await runSpanProcess(fixture, { PREFIX: prefix });
    const publish = onlySpan(spans, 'eventsource.event_bus.publish');
    const send = onlySpan(spans, `send ${prefix}.stream`);
    const process = onlySpan(spans, `process ${prefix}.stream`);
    const consume = onlySpan(spans, 'eventsource.event_bus.consume');
    const dispatch = onlySpan(spans, 'eventsource.event_bus.dispatch');
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
