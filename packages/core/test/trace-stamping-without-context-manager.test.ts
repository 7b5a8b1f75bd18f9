import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { InMemoryEventStore } from '../src/index.ts';
import { useOpenTelemetryApi } from '../src/observability/index.ts';
import { TaskCreated, taskRegistry } from './support.ts';

/**
 * The documented setup the fault probes found losing traces: a `tracerProvider` passed to the
 * store, nothing registered globally, so `context.active()` is always the root context.
 */
describe('an event store given a tracerProvider, with no context manager registered', () => {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

  beforeAll(() => {
    api.trace.disable();
    api.context.disable();
    useOpenTelemetryApi(api);
  });
  afterAll(async () => tracerProvider.shutdown());

  it('stamps every event with the append span, 10 of 10', async () => {
    const store = new InMemoryEventStore({ eventRegistry: taskRegistry(), tracerProvider });
    for (let index = 0; index < 10; index += 1) {
      const id = `task-${index}`;
      await store.appendEvents(
        id,
        'Task',
        [TaskCreated.create({ title: `t${index}` }, { aggregateId: id })],
        0,
      );
    }
    const appends = exporter.getFinishedSpans().filter((span) => span.name.endsWith('.append_events'));
    expect(appends).toHaveLength(10);
    for (let index = 0; index < 10; index += 1) {
      const [event] = (await store.getEvents(`task-${index}`, 'Task')).events;
      const { traceId, spanId } = appends[index]!.spanContext();
      expect(event!.metadata.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    }
  });
});
