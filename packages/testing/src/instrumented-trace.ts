import { expect } from '@jest/globals';
import { onlySpan, type ProcessSpan } from './span-process.ts';

/** How a transport instrumentation (instrumentation-kafkajs, -amqplib) names its spans of one message. */
export interface TransportSpans {
  /** Its instrumentation scope, e.g. `@opentelemetry/instrumentation-kafkajs`. */
  readonly scope: string;
  /** Its PRODUCER span. */
  readonly send: string;
  /** Its CONSUMER span around our message callback. */
  readonly process: string;
}

const CONSUMER_KIND = 4;

/**
 * Asserts the trace a broker bus makes when the transport's own instrumentation is enabled too,
 * from the spans of one published event with two handlers: one trace in which the
 * instrumentation's send span is a child of our publish span, its process span a child of send,
 * our consume span (CONSUMER, linked to send) a child of process, dispatch a child of consume and
 * both handle spans children of dispatch.
 */
export function expectOneInstrumentedTrace(spans: readonly ProcessSpan[], transport: TransportSpans): void {
  const publish = onlySpan(spans, 'eventsource.event_bus.publish');
  const send = onlySpan(spans, transport.send);
  const process = onlySpan(spans, transport.process);
  const consume = onlySpan(spans, 'eventsource.event_bus.consume');
  const dispatch = onlySpan(spans, 'eventsource.event_bus.dispatch');
  expect(send.scope).toBe(transport.scope);
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
}
