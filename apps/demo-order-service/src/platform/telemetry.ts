import type { IncomingMessage } from 'node:http';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

export interface Telemetry {
  /** Serves the library's metrics in Prometheus text format (mounted on each process's `/metrics`). */
  readonly prometheus: PrometheusExporter;
  /** Flushes buffered spans and stops the SDK; safe to call twice. */
  shutdown(): Promise<void>;
}

/** Probe and scrape paths: no spans for them, so traces show only real work. */
export const UNTRACED_PATHS: readonly string[] = ['/health', '/ready', '/metrics'];

function untraced(request: IncomingMessage): boolean {
  const path = (request.url ?? '').split('?')[0] ?? '';
  return UNTRACED_PATHS.includes(path);
}

/**
 * Starts OpenTelemetry for this process, once, before the code it instruments is imported.
 * Spans go through the SDK's batch span processor to the exporter the standard variables choose
 * (`OTEL_TRACES_EXPORTER`, default `otlp`; `OTEL_EXPORTER_OTLP_ENDPOINT`, default
 * `http://localhost:4318`; `OTEL_EXPORTER_OTLP_PROTOCOL`, default `http/protobuf`). The service
 * name is `OTEL_SERVICE_NAME` when set, else `serviceName`. Metrics are pulled by Prometheus.
 * No OTLP log export: logs go to stdout through pino, carrying trace_id and span_id.
 */
export function startTelemetry(serviceName: string): Telemetry {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME || serviceName,
    metricReaders: [prometheus],
    logRecordProcessors: [],
    instrumentations: [
      // The HTTP SERVER span roots each request's trace and continues an incoming traceparent.
      new HttpInstrumentation({ ignoreIncomingRequestHook: untraced }),
      // Fastify's request and route-handler spans under it (hooks are left out: they add noise, not insight).
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        instrumentHooks: false,
        ignorePaths: (request) => UNTRACED_PATHS.includes(request.url.split('?')[0] ?? ''),
      }),
    ],
  });
  sdk.start();
  let stopping: Promise<void> | undefined;
  return {
    prometheus,
    shutdown: () => (stopping ??= sdk.shutdown()),
  };
}
