// One round of the eventsource-py interop tests, the same on every bus: a Python consumer in the
// background, a Python publisher, then our publisher inside a span of ours; then every event is
// compared field by field both ways. The bus tests add their transport's own checks.
import { expect } from '@jest/globals';
import { SpanKind, trace, type SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { DomainEvent, EventBus } from '@eventsource/core';
import type { TraceSpan } from '@eventsource/testing/trace-tree';
import { waitFor } from '@eventsource/testing/bus-helpers';
import {
  EVENTS_EACH_WAY,
  expectedFromPython,
  expectedInPython,
  ORDERS,
  pythonInstant,
  traceSummary,
  typescriptEvents,
  type ConsumeResult,
  type PublishResult,
} from './interop-python-events.ts';
import {
  exportSpansToJaeger,
  jaegerTrace,
  runPythonScript,
  startPythonScript,
  type PythonBus,
} from './interop-python-support.ts';

export interface ExchangeSetup {
  readonly python: string;
  readonly target: PythonBus;
  /** Names the Python services (`interop-py-consumer-<run>`) in Jaeger. */
  readonly run: string;
  /** The Python consumer's group. */
  readonly pythonGroup: string;
  /** Our publisher (wire format `eventsource-py`). */
  readonly publisher: EventBus;
  /** What our consumer (already consuming) handled, in order; filled while the round runs. */
  readonly received: readonly DomainEvent[];
  /** Wait for the Python consumer to be subscribed before anyone publishes (a queue that must be bound). */
  readonly awaitPythonConsumer: boolean;
  /** Runs once the Python consumer is up, before anyone publishes (a wire tap, ...). */
  readonly beforePublishing?: () => Promise<void>;
}

export interface ExchangeResult {
  readonly fromPython: PublishResult;
  readonly ours: DomainEvent[];
  /** Our span around our publish. */
  readonly checkout: SpanContext;
  readonly pythonSide: ConsumeResult;
}

/** Python publishes, we publish, and both consumers get all events. */
export async function exchangeBothWays(setup: ExchangeSetup): Promise<ExchangeResult> {
  const { python, target, run, publisher, received } = setup;
  const pythonConsumer = startPythonScript<ConsumeResult>(python, 'consume_events.py', target, {
    INTEROP_SERVICE_NAME: `interop-py-consumer-${run}`,
    INTEROP_CONSUMER_GROUP: setup.pythonGroup,
    INTEROP_EXPECTED: String(EVENTS_EACH_WAY * 2),
    INTEROP_TIMEOUT_S: '45',
  });
  if (setup.awaitPythonConsumer) await pythonConsumer.consuming;
  await setup.beforePublishing?.();
  const fromPython = await runPythonScript<PublishResult>(python, 'publish_events.py', target, {
    INTEROP_SERVICE_NAME: `interop-py-publisher-${run}`,
    INTEROP_ORDERS: String(ORDERS),
  });
  expect(fromPython.events).toHaveLength(EVENTS_EACH_WAY);
  // Inside one span of ours, as a request handler would publish.
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
  return { fromPython, ours, checkout, pythonSide };
}

/** Every envelope and payload field equal both ways; each side read its own events back too; nothing more. */
export function expectSameEventsBothWays(result: ExchangeResult, received: readonly DomainEvent[]): void {
  const { fromPython, ours, pythonSide } = result;
  const byId = new Map(received.map((event) => [event.eventId, event]));
  for (const dump of fromPython.events) expect(byId.get(dump.event_id)).toEqual(expectedFromPython(dump));
  const inPython = new Map(pythonSide.received.map((entry) => [entry.event.event_id, entry]));
  for (const event of ours) expect(inPython.get(event.eventId)?.event).toEqual(expectedInPython(event));
  for (const event of ours) {
    const data = event.data as Record<string, unknown>;
    const placedAt = data.placed_at instanceof Date ? pythonInstant(data.placed_at) : data.placed_at;
    expect(byId.get(event.eventId)).toEqual({ ...event, data: { ...data, placed_at: placedAt } });
  }
  expect(received).toHaveLength(EVENTS_EACH_WAY * 2);
  expect(pythonSide.received).toHaveLength(EVENTS_EACH_WAY * 2);
}

/** Our CONSUMER spans of the events Python published, one per event. */
export function ourConsumeSpansOfPython(
  result: ExchangeResult,
  spans: readonly ReadableSpan[],
): ReadableSpan[] {
  const pythonIds = new Set(result.fromPython.events.map((event) => event.event_id));
  const consumeSpans = spans.filter(
    (span) =>
      span.kind === SpanKind.CONSUMER && pythonIds.has(String(span.attributes['eventsource.event.id'])),
  );
  expect(consumeSpans).toHaveLength(EVENTS_EACH_WAY);
  return consumeSpans;
}

/**
 * Our side of one trace per publish, on a bus that carries trace context both ways: each of our
 * consume spans of a Python event is a child of the Python span current at its publish, and our
 * publish spans, one per event, are in our checkout span's trace. Returns their span ids.
 */
export function expectOurSpansInBothTraces(
  result: ExchangeResult,
  spans: readonly ReadableSpan[],
): Set<string> {
  const { fromPython, checkout } = result;
  for (const span of ourConsumeSpansOfPython(result, spans)) {
    expect(span.spanContext().traceId).toBe(fromPython.traceId);
    expect(span.parentSpanContext?.spanId).toBe(fromPython.spanId);
  }
  const publishSpans = spans.filter(
    (span) => span.kind === SpanKind.PRODUCER && span.spanContext().traceId === checkout.traceId,
  );
  expect(publishSpans).toHaveLength(EVENTS_EACH_WAY);
  return new Set(publishSpans.map((span) => span.spanContext().spanId));
}

/**
 * One trace each way, as Jaeger shows it once our spans are exported beside Python's: our consume
 * spans are children of the Python span current at its publish, and eventsource-py's consume spans
 * children of our PRODUCER spans (`ourPublishSpanIds`). Returns both traces for more checks.
 */
export async function expectOneTraceBothWays(
  result: ExchangeResult,
  run: string,
  ourSpans: readonly ReadableSpan[],
  ourPublishSpanIds: ReadonlySet<string>,
): Promise<{ pythonTrace: TraceSpan[]; typescriptTrace: TraceSpan[] }> {
  const { fromPython, checkout } = result;
  const ourService = `interop-ts-${run}`;
  const pythonConsumerService = `interop-py-consumer-${run}`;
  await exportSpansToJaeger(ourSpans, ourService);
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
  expect(pythonTrace.find((span) => span.spanId === fromPython.spanId)?.serviceName).toBe(
    `interop-py-publisher-${run}`,
  );
  expect(ourConsumersOfPython(pythonTrace)).toHaveLength(EVENTS_EACH_WAY);
  expect(pythonConsumersOfOurs(typescriptTrace)).toHaveLength(EVENTS_EACH_WAY);
  for (const span of pythonConsumersOfOurs(typescriptTrace))
    expect(ourPublishSpanIds.has(span.parentSpanId ?? '')).toBe(true);
  return { pythonTrace, typescriptTrace };
}
