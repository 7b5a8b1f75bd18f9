import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLivePid, startDetached, stopDetached } from './detached-process.ts';
import { ensureJaegerBinary, jaegerBinaryPath } from './jaeger-binary.ts';
import type { NativeService, ServiceContext } from './native-service.ts';
import { loopbackEndpoint } from './service-endpoint.ts';

/** Shared with docker-compose.yml, which mounts it into the image. */
const configurationFile = fileURLToPath(new URL('../config/jaeger.yaml', import.meta.url));

/** Host and ports for `config/jaeger.yaml`, from the configured addresses. */
function listenerEnvironment(context: ServiceContext): NodeJS.ProcessEnv {
  const { addresses } = context;
  const query = loopbackEndpoint(addresses.jaegerQueryUrl, 16686);
  return {
    ...process.env,
    JAEGER_LISTEN_HOST: query.host,
    JAEGER_QUERY_HTTP_PORT: String(query.port),
    JAEGER_QUERY_GRPC_PORT: String(query.port - 1),
    JAEGER_OTLP_HTTP_PORT: String(loopbackEndpoint(addresses.otlpEndpoint, 4318).port),
    JAEGER_OTLP_GRPC_PORT: String(loopbackEndpoint(addresses.otlpGrpcEndpoint, 4317).port),
  };
}

/**
 * Jaeger v2 at the pinned release, built once from its Go module (see `jaeger-binary.ts`), run
 * with `config/jaeger.yaml`: the in-memory store, every listener on loopback.
 */
export const jaegerService: NativeService = {
  name: 'jaeger',
  startTimeoutMs: 60_000,
  endpoint: (addresses) => loopbackEndpoint(addresses.jaegerQueryUrl, 16686),
  logFile: (context) => join(context.stateDirectory, 'jaeger.log'),

  async missingPackages() {
    return [];
  },

  prepareLogFile: (context) => join(context.stateDirectory, 'build.log'),

  async prepare(context: ServiceContext) {
    await mkdir(context.stateDirectory, { recursive: true });
    await ensureJaegerBinary(context.cacheDirectory, this.prepareLogFile!(context), context.report);
  },

  async start(context: ServiceContext) {
    await startDetached({
      command: jaegerBinaryPath(context.cacheDirectory),
      args: ['--config', `file:${configurationFile}`],
      env: listenerEnvironment(context),
      cwd: context.stateDirectory,
      logFile: this.logFile(context),
      pidFile: join(context.stateDirectory, 'jaeger.pid'),
    });
  },

  runningPid: (context) => readLivePid(join(context.stateDirectory, 'jaeger.pid'), 'jaeger'),

  stop: (context) => stopDetached(join(context.stateDirectory, 'jaeger.pid'), 'jaeger', 10_000),
};
