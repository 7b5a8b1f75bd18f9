import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  buildTraceTree,
  captureTelemetry,
  flattenTraceTree,
  formatTraceTree,
  traceSpanFromReadable,
  traceSpansFromOtlpJson,
  type TelemetryCapture,
} from '../src/index.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** An OTLP/JSON payload as a JSON exporter posts it: two services, one trace, ids in hex. */
const otlpPayload = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'order-service' } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: TRACE_ID,
              spanId: '00f067aa0ba902b7',
              name: 'eventsource.event_bus.publish',
              kind: 4,
              startTimeUnixNano: '1700000000000000000',
              endTimeUnixNano: '1700000000025000000',
              attributes: [
                { key: 'messaging.system', value: { stringValue: 'kafka' } },
                { key: 'eventsource.event.count', value: { intValue: '1' } },
              ],
            },
          ],
        },
      ],
    },
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'order-worker' } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: TRACE_ID,
              spanId: '1111111111111111',
              parentSpanId: '00f067aa0ba902b7',
              name: 'eventsource.event_bus.consume',
              kind: 'SPAN_KIND_CONSUMER',
              startTimeUnixNano: 1700000000030000000,
              endTimeUnixNano: 1700000000180000000,
              attributes: [],
            },
            {
              traceId: TRACE_ID,
              spanId: '2222222222222222',
              parentSpanId: '1111111111111111',
              name: 'eventsource.event_bus.dispatch',
              kind: 1,
              startTimeUnixNano: { low: 0, high: 395812288 },
              endTimeUnixNano: { low: 145_000_000, high: 395812288 },
              attributes: [{ key: 'eventsource.handler.count', value: { intValue: 2 } }],
              status: { code: 2 },
            },
          ],
        },
      ],
    },
  ],
};

describe('trace trees', () => {
  let telemetry: TelemetryCapture;
  beforeAll(() => {
    telemetry = captureTelemetry();
  });
  afterAll(async () => {
    await telemetry.shutdown();
  });

  it('reads OTLP/JSON from exporters and from Jaeger, whatever the number encoding', () => {
    const spans = traceSpansFromOtlpJson(otlpPayload);
    expect(traceSpansFromOtlpJson({ result: otlpPayload })).toEqual(spans);
    expect(spans.map((span) => [span.serviceName, span.name, span.kind])).toEqual([
      ['order-service', 'eventsource.event_bus.publish', 'producer'],
      ['order-worker', 'eventsource.event_bus.consume', 'consumer'],
      ['order-worker', 'eventsource.event_bus.dispatch', 'internal'],
    ]);
    expect(spans[0]!.durationMs).toBeCloseTo(25, 3);
    expect(spans[0]!.attributes).toEqual({ 'messaging.system': 'kafka', 'eventsource.event.count': 1 });
    expect(spans[1]!.durationMs).toBeCloseTo(150, 3);
    expect(spans[2]!.durationMs).toBeCloseTo(145, 3);
    expect(spans[2]!.error).toBe(true);
    expect(spans[0]!.parentSpanId).toBeUndefined();
  });

  it('prints one indented tree per trace across services, with the chosen attributes', () => {
    const text = formatTraceTree(traceSpansFromOtlpJson(otlpPayload));
    expect(text.split('\n')).toEqual([
      `trace ${TRACE_ID}`,
      '  order-service [eventsource.event_bus.publish] 25.0 ms producer',
      '      eventsource.event.count: 1',
      '      messaging.system: kafka',
      '    order-worker [eventsource.event_bus.consume] 150.0 ms consumer',
      '      order-worker [eventsource.event_bus.dispatch] 145.0 ms ERROR',
      '          eventsource.handler.count: 2',
    ]);
    expect(formatTraceTree(traceSpansFromOtlpJson(otlpPayload), { attributes: [] })).not.toContain(':');
  });

  it('builds trees from SDK spans, children in start order, orphans as roots', () => {
    const tracer = trace.getTracer('trace-tree-test');
    tracer.startActiveSpan('request', { kind: SpanKind.SERVER }, (root) => {
      tracer.startSpan('first').end();
      const failing = tracer.startSpan('second', { attributes: { 'error.type': 'Boom' } });
      failing.setStatus({ code: SpanStatusCode.ERROR });
      failing.end();
      root.end();
    });
    const spans = telemetry.spans().map(traceSpanFromReadable);
    const tree = buildTraceTree(spans);
    expect(tree).toHaveLength(1);
    expect(flattenTraceTree(tree).map((span) => span.name)).toEqual(['request', 'first', 'second']);
    expect(tree[0]!.span.kind).toBe('server');
    expect(tree[0]!.children[1]!.span.error).toBe(true);
    const withoutRoot = buildTraceTree(spans.filter((span) => span.name !== 'request'));
    expect(withoutRoot.map((node) => node.span.name)).toEqual(['first', 'second']);
    expect(formatTraceTree(spans)).toMatch(/\[second\] \d+\.\d ms ERROR\n\s+error\.type: Boom/);
  });
});
