// Tracing across processes in tests, without jest (child processes import this too): a child
// installs an SDK of its own and prints its finished spans as one line; the parent runs the child
// and reads them back.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { useOpenTelemetryApi } from '@eventsource/core/observability';

/** A span as a child process reports it. */
export interface ProcessSpan {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly attributes: Record<string, unknown>;
  /** Span ids the span links to. */
  readonly links: string[];
  /** Instrumentation scope (`@eventsource/bus-kafka`, `@opentelemetry/instrumentation-kafkajs`, ...). */
  readonly scope: string;
}

const SPANS_PREFIX = 'SPANS ';

export interface ProcessSpanCapture {
  readonly tracerProvider: TracerProvider;
  /** Flushes and prints every finished span as one `SPANS <json>` line on stdout. */
  print(): Promise<void>;
}

/**
 * For a child process: registers an in-memory SDK globally (tracer provider, AsyncLocalStorage
 * context, W3C propagator), as an application would at startup. Call before the code under test
 * runs, and `print()` before exiting.
 */
export function installProcessSpanCapture(): ProcessSpanCapture {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  api.trace.setGlobalTracerProvider(tracerProvider);
  useOpenTelemetryApi(api);
  return {
    tracerProvider,
    async print() {
      await tracerProvider.forceFlush();
      const spans: ProcessSpan[] = exporter.getFinishedSpans().map((span) => ({
        name: span.name,
        kind: span.kind,
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        ...(span.parentSpanContext === undefined ? {} : { parentSpanId: span.parentSpanContext.spanId }),
        attributes: { ...span.attributes },
        links: span.links.map((link) => link.context.spanId),
        scope: span.instrumentationScope.name,
      }));
      process.stdout.write(`${SPANS_PREFIX}${JSON.stringify(spans)}\n`);
    },
  };
}

/** The spans a child printed with {@link ProcessSpanCapture.print}; throws when it printed none. */
export function spansFromOutput(stdout: string): ProcessSpan[] {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(SPANS_PREFIX));
  if (line === undefined) throw new Error(`The process printed no spans:\n${stdout}`);
  return JSON.parse(line.slice(SPANS_PREFIX.length)) as ProcessSpan[];
}

/**
 * Runs a TypeScript `script` in a Node process of its own (workspace packages from their sources)
 * with `environment` added, and returns the spans it printed.
 */
export async function runSpanProcess(
  script: string,
  environment: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<ProcessSpan[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@eventsource/source', '--no-warnings', script],
    { env: { ...process.env, ...environment }, timeout: timeoutMs },
  );
  return spansFromOutput(stdout);
}

/** The only span named `name`; throws, listing what there is, when there is none or several. */
export function onlySpan(spans: readonly ProcessSpan[], name: string): ProcessSpan {
  const found = spans.filter((span) => span.name === name);
  const [only] = found;
  if (found.length !== 1 || only === undefined)
    throw new Error(
      `Expected one ${name}, got ${found.length} of: ${spans.map((span) => span.name).join(', ')}`,
    );
  return only;
}
