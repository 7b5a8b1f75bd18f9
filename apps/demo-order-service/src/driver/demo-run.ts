import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceSpan } from '@eventsource/testing/trace-tree';
import type { DemoMode } from '../platform/settings.ts';
import { waitForJaegerTrace } from './jaeger-traces.ts';
import { OtlpJsonReceiver } from './otlp-receiver.ts';
import { runScenario, type ScenarioStep } from './scenario.ts';
import { ServiceProcess } from './service-process.ts';

export interface DemoOptions {
  readonly mode: DemoMode;
  /** Full mode: the bus (`DEMO_BUS`; default kafka). */
  readonly bus?: string;
  /** Full mode: PostgreSQL schema (`DEMO_SCHEMA`; default demo_orders). */
  readonly schema?: string;
  /** Full mode: topic/exchange/stream prefix (`DEMO_DESTINATION_PREFIX`; default demo-orders). */
  readonly destinationPrefix?: string;
  /** Full mode: the worker's consumer group (`DEMO_CONSUMER_GROUP`; default order-worker). */
  readonly consumerGroup?: string;
  /** Full mode: Jaeger's query API (default `EVENTSOURCE_JAEGER_QUERY_URL` or http://127.0.0.1:16686). */
  readonly jaegerQueryUrl?: string;
}

export interface DemoStepResult extends ScenarioStep {
  readonly spans: readonly TraceSpan[];
}

export interface DemoResult {
  readonly orderId: string;
  readonly steps: readonly DemoStepResult[];
  /** Where the services' logs were written. */
  readonly logDirectory: string;
  readonly jaegerQueryUrl?: string;
}

function definedEnv(entries: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(entries).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** The services a step's trace reaches: a command that wrote events reaches the worker too. */
function servicesOf(step: ScenarioStep): string[] {
  const wrote = step.method !== 'GET' && step.status >= 200 && step.status < 300;
  return wrote ? ['order-service', 'order-worker'] : ['order-service'];
}

/**
 * Runs the two services, drives the scenario over HTTP, stops them (each flushes its spans on the
 * way out) and gathers every request's trace: in embedded mode from an OTLP/JSON receiver the
 * services export to, in full mode from Jaeger, where they export with the standard OTEL_* settings.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const logDirectory = mkdtempSync(join(tmpdir(), 'eventsource-demo-'));
  const receiver = options.mode === 'embedded' ? await OtlpJsonReceiver.start() : undefined;
  const jaegerQueryUrl =
    options.jaegerQueryUrl ?? process.env.EVENTSOURCE_JAEGER_QUERY_URL ?? 'http://127.0.0.1:16686';
  const env =
    receiver !== undefined
      ? {
          DEMO_MODE: 'embedded',
          DEMO_SQLITE_FILE: join(logDirectory, 'demo.db'),
          // The signal-specific variables, which win over any general ones set in the caller's shell.
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces`,
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        }
      : definedEnv({
          DEMO_MODE: 'full',
          DEMO_BUS: options.bus,
          DEMO_SCHEMA: options.schema,
          DEMO_DESTINATION_PREFIX: options.destinationPrefix,
          DEMO_CONSUMER_GROUP: options.consumerGroup,
          OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318',
        });
  const services: ServiceProcess[] = [];
  try {
    // The worker first: in full mode it creates the consumer group before anything is published.
    services.push(await ServiceProcess.start('order-worker', env, join(logDirectory, 'order-worker.log')));
    services.push(await ServiceProcess.start('order-service', env, join(logDirectory, 'order-service.log')));
    const { orderId, steps } = await runScenario(services[1]!.baseUrl);
    await Promise.all(services.splice(0).map((service) => service.stop()));
    // Jaeger indexes the traces in parallel, so they are awaited together.
    const results: DemoStepResult[] = await Promise.all(
      steps.map(async (step) => {
        const spans =
          step.traceId === undefined
            ? []
            : receiver !== undefined
              ? receiver.spansOf(step.traceId)
              : await waitForJaegerTrace(jaegerQueryUrl, step.traceId, { services: servicesOf(step) });
        return { ...step, spans };
      }),
    );
    return { orderId, steps: results, logDirectory, ...(receiver === undefined ? { jaegerQueryUrl } : {}) };
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    await receiver?.close();
  }
}
