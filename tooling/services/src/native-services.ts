import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { serviceAddressVariables, type ServiceAddresses } from './addresses.ts';
import { installDebianPackages } from './debian-packages.ts';
import { probeFailure } from './health-probes.ts';
import { jaegerService } from './jaeger-service.ts';
import { kafkaService } from './kafka-service.ts';
import { markStartAttempt, readLogTail } from './log-tail.ts';
import type { NativeService, ServiceContext } from './native-service.ts';
import { postgresService } from './postgres-service.ts';
import { elapsed, printProgress } from './progress.ts';
import { rabbitmqService } from './rabbitmq-service.ts';
import { redisService } from './redis-service.ts';
import { ServiceError } from './service-error.ts';
import { isLoopbackHost } from './service-endpoint.ts';
import type { ServiceName } from './service-names.ts';
import { cacheDirectory, displayPath, serviceStateDirectory, stateDirectory } from './service-paths.ts';
import { isPortOpen } from './tcp-port.ts';

export const nativeServices: Record<ServiceName, NativeService> = {
  postgres: postgresService,
  redis: redisService,
  rabbitmq: rabbitmqService,
  kafka: kafkaService,
  jaeger: jaegerService,
};

/** The variable that configures a service's main address, for messages. */
const addressVariable: Record<ServiceName, string> = {
  postgres: serviceAddressVariables.postgresUrl,
  redis: serviceAddressVariables.redisUrl,
  rabbitmq: serviceAddressVariables.rabbitmqUrl,
  kafka: serviceAddressVariables.kafkaBrokers,
  jaeger: serviceAddressVariables.jaegerQueryUrl,
};

export function contextFor(name: ServiceName, addresses: ServiceAddresses): ServiceContext {
  return {
    addresses,
    stateDirectory: serviceStateDirectory(name),
    cacheDirectory: cacheDirectory(),
    report: (message) => printProgress(name, message),
  };
}

function endpointText(service: NativeService, addresses: ServiceAddresses): string {
  const { host, port } = service.endpoint(addresses);
  return `${host}:${port}`;
}

async function failure(
  service: NativeService,
  message: string,
  logFile: string,
  cause?: unknown,
): Promise<ServiceError> {
  return new ServiceError(service.name, message, {
    logFile: displayPath(logFile),
    logTail: await readLogTail(logFile),
    cause,
  });
}

/**
 * Polls the health probe until it passes. Fails as soon as the daemon has exited, or when the
 * service's start timeout has passed, with the tail of its log.
 */
async function waitUntilHealthy(service: NativeService, context: ServiceContext): Promise<void> {
  const deadline = performance.now() + service.startTimeoutMs;
  const logFile = service.logFile(context);
  for (;;) {
    const reason = await probeFailure(service.name, context.addresses);
    if (reason === undefined) return;
    if ((await service.runningPid(context)) === undefined) {
      throw await failure(service, `exited while starting (last probe: ${reason})`, logFile);
    }
    if (performance.now() > deadline) {
      const seconds = Math.round(service.startTimeoutMs / 1000);
      throw await failure(
        service,
        `did not pass its health probe within ${seconds}s (last probe: ${reason}); ` +
          `\`pnpm services:down ${service.name}\` then \`up\` again restarts it`,
        logFile,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Brings one service up, reusing whatever already answers its health probe at the configured
 * address (a daemon from an earlier `up`, or any other server). A port held by something that
 * does not pass the probe is an error, never a second daemon.
 */
async function bringUp(service: NativeService, context: ServiceContext): Promise<void> {
  const startedAt = performance.now();
  const address = endpointText(service, context.addresses);
  const logFile = service.logFile(context);
  const reason = await probeFailure(service.name, context.addresses);
  if (reason === undefined) {
    context.report(`already up at ${address}`);
    return;
  }
  const { host, port } = service.endpoint(context.addresses);
  if (!isLoopbackHost(host)) {
    throw new ServiceError(
      service.name,
      `${addressVariable[service.name]} points at ${address}, which is not this machine, and it does not answer (${reason})`,
    );
  }
  const runningPid = await service.runningPid(context);
  if (runningPid !== undefined) {
    context.report(
      `already started (pid ${runningPid}), waiting until healthy; log: ${displayPath(logFile)}`,
    );
  } else {
    if (await isPortOpen(host, port)) {
      throw new ServiceError(
        service.name,
        `port ${port} on ${host} is held by a process that does not answer as ${service.name} (${reason}); ` +
          `stop it, or point ${addressVariable[service.name]} elsewhere`,
      );
    }
    await mkdir(context.stateDirectory, { recursive: true });
    if (service.prepare !== undefined) {
      try {
        await service.prepare(context);
      } catch (error) {
        const prepareLog = service.prepareLogFile?.(context) ?? logFile;
        throw await failure(service, (error as Error).message, prepareLog, error);
      }
    }
    context.report(`starting; log: ${displayPath(logFile)}`);
    try {
      await markStartAttempt(logFile);
      await service.start(context);
    } catch (error) {
      throw await failure(service, `could not start: ${(error as Error).message}`, logFile, error);
    }
  }
  await waitUntilHealthy(service, context);
  context.report(`up (${elapsed(startedAt)}) at ${address}; log: ${displayPath(logFile)}`);
}

/** Installs, in one apt-get run, the Debian packages that the services about to start lack. */
async function installMissingPackages(
  services: readonly NativeService[],
  addresses: ServiceAddresses,
): Promise<void> {
  const perService = await Promise.all(
    services.map(async (service) =>
      (await probeFailure(service.name, addresses)) === undefined
        ? []
        : service.missingPackages(contextFor(service.name, addresses)),
    ),
  );
  const missing = new Set(perService.flat());
  if (missing.size === 0) return;
  const logFile = join(stateDirectory(), 'apt.log');
  const startedAt = performance.now();
  printProgress(
    undefined,
    `installing Debian packages: ${[...missing].join(' ')} (log: ${displayPath(logFile)})`,
  );
  try {
    await installDebianPackages([...missing], logFile);
  } catch (error) {
    throw new ServiceError('packages', (error as Error).message, { cause: error });
  }
  printProgress(undefined, `installed Debian packages (${elapsed(startedAt)})`);
}

/**
 * `up` on the native path: packages first (one apt-get run), then every service concurrently.
 * Every service is attempted even when another fails; all failures are returned.
 */
export async function nativeUp(
  names: readonly ServiceName[],
  addresses: ServiceAddresses,
): Promise<ServiceError[]> {
  const services = names.map((name) => nativeServices[name]);
  await installMissingPackages(services, addresses);
  const outcomes = await Promise.allSettled(
    services.map((service) => bringUp(service, contextFor(service.name, addresses))),
  );
  return outcomes.flatMap((outcome, index) =>
    outcome.status === 'fulfilled'
      ? []
      : [
          outcome.reason instanceof ServiceError
            ? outcome.reason
            : new ServiceError(
                services[index]!.name,
                String((outcome.reason as Error)?.message ?? outcome.reason),
                {
                  cause: outcome.reason,
                },
              ),
        ],
  );
}

/** `down` on the native path: stops the daemons this checkout started; others are left alone. */
export async function nativeDown(
  names: readonly ServiceName[],
  addresses: ServiceAddresses,
): Promise<ServiceError[]> {
  const errors: ServiceError[] = [];
  await Promise.all(
    names.map(async (name) => {
      const service = nativeServices[name];
      const context = contextFor(name, addresses);
      const startedAt = performance.now();
      try {
        const outcome = await service.stop(context);
        if (outcome !== 'not-running') {
          context.report(
            `${outcome === 'killed' ? 'killed (it ignored SIGTERM)' : 'stopped'} (${elapsed(startedAt)})`,
          );
          return;
        }
        const { host, port } = service.endpoint(addresses);
        context.report(
          (await isPortOpen(host, port))
            ? `not started by this checkout; left running at ${host}:${port}`
            : 'not running',
        );
      } catch (error) {
        errors.push(
          await failure(
            service,
            `could not stop: ${(error as Error).message}`,
            service.logFile(context),
            error,
          ),
        );
      }
    }),
  );
  return errors;
}

/** `status`: each service, its address, and whether its probe passes. Returns the unhealthy ones. */
export async function reportStatus(
  names: readonly ServiceName[],
  addresses: ServiceAddresses,
): Promise<ServiceName[]> {
  const results = await Promise.all(
    names.map(async (name) => {
      const service = nativeServices[name];
      const context = contextFor(name, addresses);
      const [reason, pid] = await Promise.all([probeFailure(name, addresses), service.runningPid(context)]);
      return {
        name,
        reason,
        pid,
        address: endpointText(service, addresses),
        logFile: service.logFile(context),
      };
    }),
  );
  for (const { name, reason, pid, address, logFile } of results) {
    const owner = pid === undefined ? '' : ` (pid ${pid}, log: ${displayPath(logFile)})`;
    printProgress(
      name,
      reason === undefined ? `up at ${address}${owner}` : `DOWN at ${address}: ${reason}${owner}`,
    );
  }
  return results.filter((result) => result.reason !== undefined).map((result) => result.name);
}
