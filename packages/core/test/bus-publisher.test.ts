import { afterEach, describe, expect, it } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createEvent, type DomainEvent } from '../src/index.ts';
import { BusPublisher, EventBusMetrics, eventsourceTsWireFormat, type OutgoingMessage } from '../src/kit.ts';
import { ComponentTracer, useOpenTelemetryApi } from '../src/observability/index.ts';

const STORED_TRACE = '0af7651916cd43dd8448eb211c80319c';
const STORED_SPAN = 'b7ad6b7169203331';

function setup() {
  useOpenTelemetryApi(api);
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const publisher = new BusPublisher({
    tracer: new ComponentTracer('bus-publisher-test', true, tracerProvider),
    metrics: new EventBusMetrics(
      { scope: 'test', version: '0', prefix: 'test', system: 'test' },
      { enableMetrics: false },
      { destination: 'd', consumerGroup: 'g', activeConnections: () => 0, lagReadings: () => [] },
    ),
    wireFormat: eventsourceTsWireFormat,
    system: 'test',
    destination: 'd',
  });
  const sent: OutgoingMessage[] = [];
  const send = async (messages: readonly OutgoingMessage[]) => void sent.push(...messages);
  return { exporter, tracerProvider, publisher, sent, send };
}

function storedEvent(): DomainEvent {
  return createEvent({
    eventType: 'OrderPlaced',
    aggregateType: 'Order',
    aggregateId: 'o-1',
    data: {},
    metadata: { traceparent: `00-${STORED_TRACE}-${STORED_SPAN}-01` },
  });
}

afterEach(() => {
  api.context.disable();
});

describe('BusPublisher', () => {
  it('continues the trace stored with an event when the caller has no span, even without a context manager', async () => {
    api.context.disable();
    const { exporter, publisher, send, sent } = setup();
    await publisher.publish([storedEvent()], send);
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe(STORED_TRACE);
    expect(span?.parentSpanContext?.spanId).toBe(STORED_SPAN);
    expect(sent[0]?.headers.traceparent).toBe(`00-${STORED_TRACE}-${span?.spanContext().spanId}-01`);
  });

  it("parents on the caller's span when there is one", async () => {
    api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const { exporter, tracerProvider, publisher, send } = setup();
    const caller = tracerProvider.getTracer('caller').startSpan('request');
    await api.context.with(api.trace.setSpan(api.context.active(), caller), () =>
      publisher.publish([storedEvent()], send),
    );
    caller.end();
    const publish = exporter.getFinishedSpans().find((span) => span.name === 'eventsource.event_bus.publish');
    expect(publish?.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
  });
});
