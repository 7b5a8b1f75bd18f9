import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from '@jest/globals';
import { runSpanProcess, type ProcessSpan } from '@eventsource/testing/span-process';
import { deleteStreams, redisUrl, uniquePrefix } from './support.ts';

const fixture = fileURLToPath(new URL('./fixtures/instrumented-process.ts', import.meta.url));
const prefix = uniquePrefix('instrumented');

afterAll(() => deleteStreams(prefix), 30_000);

function only(spans: readonly ProcessSpan[], predicate: (span: ProcessSpan) => boolean, what: string) {
  const found = spans.filter(predicate);
  const [first] = found;
  if (found.length !== 1 || first === undefined)
    throw new Error(
      `Expected one ${what}, got ${found.length}: ${spans.map((span) => span.name).join(', ')}`,
    );
  return first;
}

it('forms one trace with @opentelemetry/instrumentation-ioredis: publish > XADD, publish > process > dispatch > handle > GET', async () => {
  const spans = await runSpanProcess(fixture, { REDIS_URL: redisUrl, PREFIX: prefix });
  const ioredis = (name: string) => (span: ProcessSpan) =>
    span.scope === '@opentelemetry/instrumentation-ioredis' && span.name.toLowerCase() === name;

  const publish = only(spans, (span) => span.name === 'eventsource.event_bus.publish', 'publish span');
  const xadd = only(spans, ioredis('xadd'), 'XADD span');
  const process_ = only(spans, (span) => span.name === 'eventsource.event_bus.process', 'process span');
  const dispatch = only(spans, (span) => span.name === 'eventsource.event_bus.dispatch', 'dispatch span');
  const handle = only(spans, (span) => span.name === 'eventsource.event_bus.handle', 'handle span');
  const get = only(spans, ioredis('get'), 'GET span');

  expect(xadd.kind).toBe(2);
  expect(xadd.parentSpanId).toBe(publish.spanId);
  expect(process_.parentSpanId).toBe(publish.spanId);
  expect(process_.links).toEqual([publish.spanId]);
  expect(dispatch.parentSpanId).toBe(process_.spanId);
  expect(handle.parentSpanId).toBe(dispatch.spanId);
  expect(get.parentSpanId).toBe(handle.spanId);
  const trace = new Set([publish, xadd, process_, dispatch, handle, get].map((span) => span.traceId));
  expect(trace).toEqual(new Set([publish.traceId]));
  // The consumer's own reads and acknowledgements run outside any trace, so the instrumentation
  // (which by default needs a parent span) records none of them into the event's trace.
  expect(
    spans.filter((span) => span.traceId === publish.traceId && /xreadgroup|xack/i.test(span.name)),
  ).toEqual([]);
}, 60_000);
