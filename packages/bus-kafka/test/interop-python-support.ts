import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { serviceAddresses } from '@eventsource/services';
import { traceSpansFromOtlpJson, type TraceSpan } from '@eventsource/testing/trace-tree';

// The Python side lives in tooling/interop-python/ (shared by the Kafka, RabbitMQ and Redis interop
// tests); this module is its TypeScript half, imported by all three.
const interopDirectory = fileURLToPath(new URL('../../../tooling/interop-python/', import.meta.url));
const setupScript = `${interopDirectory}setup.sh`;

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to its end; stderr is also echoed with `echoPrefix`, so setup progress shows in CI
 * logs, and handed line by line to `onStderrLine`.
 */
function run(
  command: string,
  args: readonly string[],
  options: {
    environment?: NodeJS.ProcessEnv;
    timeoutMs: number;
    echoPrefix?: string;
    onStderrLine?: (line: string) => void;
  },
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: interopDirectory,
      env: { ...process.env, ...options.environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      for (const line of chunk.split('\n').filter(Boolean)) {
        if (options.echoPrefix !== undefined) process.stderr.write(`${options.echoPrefix}${line}\n`);
        options.onStderrLine?.(line);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The interpreter of the cached eventsource-py venv (`tooling/interop-python/setup.sh` makes it on
 * first use: Python >= 3.13 from pyenv or the PATH, packages pinned, from PyPI).
 */
export async function interopPython(): Promise<string> {
  const { code, stdout, stderr } = await run('bash', [setupScript], {
    timeoutMs: 280_000,
    echoPrefix: '',
  });
  const python = stdout.trim().split('\n').pop();
  if (code !== 0 || python === undefined || python === '')
    throw new Error(`tooling/interop-python/setup.sh failed (exit ${code}):\n${stderr}`);
  return python;
}

/**
 * JSON with Python's arbitrary-precision integers kept exact: an integer literal too long for a
 * double becomes a bigint (the 'eventsource-py' wire format reads them the same way).
 */
export function parsePythonJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' &&
    !Number.isSafeInteger(value) &&
    context?.source !== undefined &&
    /^-?\d+$/.test(context.source)
      ? BigInt(context.source)
      : value,
  );
}

/** Which eventsource-py bus a script runs, and where: `--bus`, `INTEROP_URL` and `INTEROP_PREFIX`. */
export interface PythonBus {
  readonly bus: 'kafka' | 'rabbitmq' | 'redis';
  /** Kafka bootstrap servers (`host:port,...`), or the RabbitMQ or Redis URL. */
  readonly url: string;
  /** Kafka `topic_prefix`, RabbitMQ `exchange_name` or Redis `stream_prefix`. */
  readonly prefix: string;
}

function scriptRun<TResult>(
  python: string,
  script: string,
  target: PythonBus,
  environment: Record<string, string>,
  timeoutMs: number,
  onStderrLine?: (line: string) => void,
): Promise<TResult> {
  return run(python, [script, '--bus', target.bus], {
    timeoutMs,
    ...(onStderrLine === undefined ? {} : { onStderrLine }),
    environment: {
      INTEROP_URL: target.url,
      INTEROP_PREFIX: target.prefix,
      OTEL_EXPORTER_OTLP_ENDPOINT: serviceAddresses().otlpEndpoint,
      PYTHONUNBUFFERED: '1',
      // No __pycache__ beside the scripts in the working tree.
      PYTHONDONTWRITEBYTECODE: '1',
      ...environment,
    },
  }).then(({ code, stdout, stderr }) => {
    const line = stdout.split('\n').find((candidate) => candidate.startsWith('RESULT '));
    if (code !== 0 || line === undefined)
      throw new Error(`${script} --bus ${target.bus} failed (exit ${code}):\n${stderr}\n${stdout}`);
    return parsePythonJson(line.slice('RESULT '.length)) as TResult;
  });
}

/** Runs one of the scripts in `tooling/interop-python/` and returns its `RESULT` line, parsed. */
export function runPythonScript<TResult>(
  python: string,
  script: string,
  target: PythonBus,
  environment: Record<string, string>,
  timeoutMs = 60_000,
): Promise<TResult> {
  return scriptRun<TResult>(python, script, target, environment, timeoutMs);
}

/**
 * A Python script started in the background; `result` settles when it exits, `consuming` once it
 * wrote its `consuming` line to stderr (its bus is connected and its queue or group exists).
 */
export function startPythonScript<TResult>(
  python: string,
  script: string,
  target: PythonBus,
  environment: Record<string, string>,
  timeoutMs = 60_000,
): { result: Promise<TResult>; consuming: Promise<void> } {
  let consumingNow: () => void = () => undefined;
  const consuming = new Promise<void>((resolve) => (consumingNow = resolve));
  const result = scriptRun<TResult>(python, script, target, environment, timeoutMs, (line) => {
    if (line === 'consuming') consumingNow();
  });
  result.catch(() => undefined);
  return { result, consuming: Promise.race([consuming, result.then(() => undefined)]) };
}

// OTLP/JSON numbering: UNSPECIFIED = 0, INTERNAL = 1, ...; the API's starts at INTERNAL = 0.
const otlpKind = (apiKind: number): number => apiKind + 1;

function otlpValue(value: unknown): Record<string, unknown> {
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(otlpValue) } };
  return { stringValue: String(value) };
}

function nanoseconds([seconds, nanos]: readonly [number, number]): string {
  return (BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString();
}

/**
 * Sends this process's finished spans to the OTLP/HTTP endpoint as OTLP/JSON, under `serviceName`,
 * so Jaeger holds both languages' halves of a trace.
 */
export async function exportSpansToJaeger(
  spans: readonly ReadableSpan[],
  serviceName: string,
): Promise<void> {
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeSpans: [
          {
            scope: { name: 'interop-python-test' },
            spans: spans.map((span) => ({
              traceId: span.spanContext().traceId,
              spanId: span.spanContext().spanId,
              ...(span.parentSpanContext ? { parentSpanId: span.parentSpanContext.spanId } : {}),
              name: span.name,
              kind: otlpKind(span.kind),
              startTimeUnixNano: nanoseconds(span.startTime),
              endTimeUnixNano: nanoseconds(span.endTime),
              attributes: Object.entries(span.attributes).map(([key, value]) => ({
                key,
                value: otlpValue(value),
              })),
              status: { code: span.status.code },
            })),
          },
        ],
      },
    ],
  };
  const response = await fetch(`${serviceAddresses().otlpEndpoint}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`OTLP export answered ${response.status}: ${await response.text()}`);
}

/**
 * The spans Jaeger's query API holds for `traceId`, polled until `ready` accepts them (exporters
 * batch, and Jaeger indexes asynchronously) or `timeoutMs` passes; then the last answer.
 */
export async function jaegerTrace(
  traceId: string,
  ready: (spans: readonly TraceSpan[]) => boolean,
  timeoutMs = 20_000,
): Promise<TraceSpan[]> {
  const deadline = Date.now() + timeoutMs;
  let spans: TraceSpan[] = [];
  for (;;) {
    const response = await fetch(`${serviceAddresses().jaegerQueryUrl}/api/v3/traces/${traceId}`);
    if (response.ok) spans = traceSpansFromOtlpJson(await response.json());
    if (ready(spans) || Date.now() > deadline) return spans;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
