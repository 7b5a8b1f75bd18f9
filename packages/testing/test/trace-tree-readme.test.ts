import { expect, it } from '@jest/globals';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { formatTraceTree, traceSpanFromReadable } from '../src/trace-tree.ts';

it('prints the README trace-tree example (the README shows its output)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('example');
  const request = tracer.startSpan('request');
  tracer.startSpan('eventsource.repository.save', {}, trace.setSpan(context.active(), request)).end();
  request.end();
  const text = formatTraceTree(exporter.getFinishedSpans().map(traceSpanFromReadable));
  expect(text).toMatch(
    // `unknown_service:` plus however Node was started (`node`, or its full path under a runner).
    /^trace [0-9a-f]{32}\n {2}unknown_service:\S+ \[request\] \d+\.\d ms\n {4}unknown_service:\S+ \[eventsource\.repository\.save\] \d+\.\d ms$/,
  );
});
