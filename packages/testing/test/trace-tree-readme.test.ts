import { expect, it } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import { captureTelemetry, formatTraceTree, traceSpanFromReadable } from '../src/index.ts';

it('prints the README trace-tree example (the README shows its output)', async () => {
  const telemetry = captureTelemetry();
  trace.getTracer('example').startActiveSpan('request', (span) => {
    trace.getTracer('example').startSpan('eventsource.repository.save').end();
    span.end();
  });
  const text = formatTraceTree(telemetry.spans().map(traceSpanFromReadable));
  await telemetry.shutdown();
  expect(text).toMatch(
    /^trace [0-9a-f]{32}\n {2}(\S+) \[request\] \d+\.\d ms\n {4}\1 \[eventsource\.repository\.save\] \d+\.\d ms$/,
  );
});
