import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceAddresses } from './addresses.ts';
import { probeFailure } from './health-probes.ts';
import { readLogTail } from './log-tail.ts';
import { elapsed, printProgress } from './progress.ts';
import { runCommand } from './run-command.ts';
import { ServiceError } from './service-error.ts';
import type { ServiceName } from './service-names.ts';
import { displayPath, repositoryRoot, stateDirectory } from './service-paths.ts';

export type RunMode = 'docker' | 'native';

const composeFile = join(repositoryRoot, 'docker-compose.yml');

/** Whether a Docker engine answers (not merely whether the docker client is installed). */
export async function dockerEngineAnswers(): Promise<boolean> {
  const result = await runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], {
    timeoutMs: 15_000,
  });
  return result.exitCode === 0 && result.output.trim() !== '';
}

/**
 * docker compose where an engine answers, the native services otherwise.
 * `EVENTSOURCE_SERVICES_MODE=docker|native` overrides the detection.
 */
export async function chooseRunMode(): Promise<RunMode> {
  const requested = process.env.EVENTSOURCE_SERVICES_MODE;
  if (requested === 'docker' || requested === 'native') return requested;
  return (await dockerEngineAnswers()) ? 'docker' : 'native';
}

async function compose(
  args: readonly string[],
  timeoutMs: number,
): Promise<{ ok: boolean; logFile: string }> {
  await mkdir(stateDirectory(), { recursive: true });
  const logFile = join(stateDirectory(), 'compose.log');
  const result = await runCommand('docker', ['compose', '--file', composeFile, ...args], {
    cwd: repositoryRoot,
    logFile,
    timeoutMs,
  });
  return { ok: result.exitCode === 0, logFile };
}

/**
 * `docker compose up --wait` for the named services, then the same health probes as the native
 * path (compose's health checks are coarser: Kafka's does not wait for the group coordinator).
 */
export async function composeUp(
  names: readonly ServiceName[],
  addresses: ServiceAddresses,
): Promise<ServiceError[]> {
  const startedAt = performance.now();
  printProgress(
    undefined,
    `docker compose up ${names.join(' ')} (log: ${displayPath(join(stateDirectory(), 'compose.log'))})`,
  );
  const { ok, logFile } = await compose(
    ['up', '--detach', '--wait', '--wait-timeout', '300', ...names],
    20 * 60_000,
  );
  if (!ok) {
    return [
      new ServiceError('docker compose', 'up failed', {
        logFile: displayPath(logFile),
        logTail: await readLogTail(logFile),
      }),
    ];
  }
  const errors: ServiceError[] = [];
  await Promise.all(
    names.map(async (name) => {
      const deadline = performance.now() + 120_000;
      let reason = await probeFailure(name, addresses);
      while (reason !== undefined && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        reason = await probeFailure(name, addresses);
      }
      if (reason === undefined)
        printProgress(name, `up (${elapsed(startedAt)}), container of docker compose`);
      else errors.push(new ServiceError(name, `container is up but the health probe fails: ${reason}`));
    }),
  );
  return errors;
}

/** `docker compose down` for everything, or stop and remove only the named services. */
export async function composeDown(names: readonly ServiceName[], all: boolean): Promise<ServiceError[]> {
  const { ok, logFile } = all
    ? await compose(['down', '--remove-orphans'], 5 * 60_000)
    : await compose(['rm', '--stop', '--force', ...names], 5 * 60_000);
  if (ok) {
    printProgress(undefined, `docker compose: stopped ${all ? 'all services' : names.join(' ')}`);
    return [];
  }
  return [
    new ServiceError('docker compose', 'down failed', {
      logFile: displayPath(logFile),
      logTail: await readLogTail(logFile),
    }),
  ];
}
