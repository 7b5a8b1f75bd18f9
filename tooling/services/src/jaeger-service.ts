import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive, readPidFile, startDetached, stopDetached } from './detached-process.ts';
import { ensureJaegerBinary, jaegerBinaryPath } from './jaeger-binary.ts';
import type { NativeService, ServiceContext } from './native-service.ts';
import { loopbackEndpoint } from './service-endpoint.ts';

/**
 * Jaeger v2 (an OpenTelemetry Collector distribution) configured like the all-in-one image:
 * OTLP in over gRPC and HTTP, spans kept in memory, the query API and UI on one HTTP port.
 * Every listener is on loopback; Jaeger does not trace itself, so only the tests' spans show up.
 */
function jaegerConfiguration(context: ServiceContext): string {
  const addresses = context.addresses;
  const endpoint = (address: string, defaultPort: number): string => {
    const { host, port } = loopbackEndpoint(address, defaultPort);
    return `${host}:${port}`;
  };
  const query = loopbackEndpoint(addresses.jaegerQueryUrl, 16686);
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    logs:
      level: info

extensions:
  jaeger_storage:
    backends:
      memory_store:
        memory:
          max_traces: 100000
  jaeger_query:
    storage:
      traces: memory_store
    enable_tracing: false
    http:
      endpoint: ${query.host}:${query.port}
    grpc:
      endpoint: ${query.host}:${query.port - 1}

receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${endpoint(addresses.otlpGrpcEndpoint, 4317)}
      http:
        endpoint: ${endpoint(addresses.otlpEndpoint, 4318)}

processors:
  batch:
    timeout: 200ms

exporters:
  jaeger_storage_exporter:
    trace_storage: memory_store
`;
}

export const jaegerService: NativeService = {
  name: 'jaeger',
  startTimeoutMs: 60_000,
  endpoint: (addresses) => loopbackEndpoint(addresses.jaegerQueryUrl, 16686),
  logFile: (context) => join(context.stateDirectory, 'jaeger.log'),

  async missingPackages() {
    return [];
  },

  async prepare(context: ServiceContext) {
    await mkdir(context.stateDirectory, { recursive: true });
    await ensureJaegerBinary(context.cacheDirectory, join(context.stateDirectory, 'build.log'), context.report);
  },

  async start(context: ServiceContext) {
    const configuration = join(context.stateDirectory, 'config.yaml');
    await writeFile(configuration, jaegerConfiguration(context));
    await startDetached({
      command: jaegerBinaryPath(context.cacheDirectory),
      args: ['--config', `file:${configuration}`],
      cwd: context.stateDirectory,
      logFile: this.logFile(context),
      pidFile: join(context.stateDirectory, 'jaeger.pid'),
    });
  },

  async runningPid(context) {
    const pid = await readPidFile(join(context.stateDirectory, 'jaeger.pid'));
    return pid !== undefined && (await isProcessAlive(pid)) ? pid : undefined;
  },

  stop: (context) => stopDetached(join(context.stateDirectory, 'jaeger.pid'), 10_000),
};
