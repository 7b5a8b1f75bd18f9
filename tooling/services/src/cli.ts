/**
 * `node tooling/services/src/cli.ts up|down|status [service...]` (the root package's
 * `services:*` scripts). Starts, stops or checks PostgreSQL, Redis, RabbitMQ, Kafka and Jaeger:
 * with docker compose where a Docker engine answers, natively otherwise. Exits non-zero, naming the
 * service and showing the tail of its log, when something fails; `status` exits non-zero when a
 * service is down. See docs/services.md.
 */
import { serviceAddresses } from './addresses.ts';
import { chooseRunMode, composeDown, composeUp } from './docker-compose.ts';
import { nativeDown, nativeUp, reportStatus } from './native-services.ts';
import { elapsed, printFailure, printProgress } from './progress.ts';
import { ServiceError } from './service-error.ts';
import { isServiceName, serviceNames, type ServiceName } from './service-names.ts';
import { stateDirectory } from './service-paths.ts';
import { withStateLock } from './state-lock.ts';

const usage = `usage: node tooling/services/src/cli.ts <up|down|status> [${serviceNames.join('|')} ...]`;

function parseServiceNames(values: readonly string[]): ServiceName[] {
  const unknown = values.filter((value) => !isServiceName(value));
  if (unknown.length > 0) throw new Error(`unknown service ${unknown.join(', ')}\n${usage}`);
  const requested = values.length === 0 ? serviceNames : values;
  return serviceNames.filter((name) => requested.includes(name));
}

async function run(command: string | undefined, names: ServiceName[]): Promise<number> {
  const addresses = serviceAddresses();
  const startedAt = performance.now();
  if (command === 'status') {
    const down = await reportStatus(names, addresses);
    return down.length === 0 ? 0 : 1;
  }
  if (command !== 'up' && command !== 'down') throw new Error(usage);

  const mode = await chooseRunMode();
  const onWait = (holder: number): void =>
    printProgress(undefined, `waiting for another services command (pid ${holder}) to finish`);
  const errors = await withStateLock(
    stateDirectory(),
    async () => {
      if (command === 'up')
        return mode === 'docker' ? composeUp(names, addresses) : nativeUp(names, addresses);
      const all = names.length === serviceNames.length;
      return mode === 'docker' ? composeDown(names, all) : nativeDown([...names].reverse(), addresses);
    },
    onWait,
  );
  for (const error of errors) printFailure(error.message, error.logFile, error.logTail);
  if (errors.length > 0) {
    printProgress(undefined, `${command} failed for ${errors.map((error) => error.serviceName).join(', ')}`);
    return 1;
  }
  printProgress(undefined, `${command} done (${elapsed(startedAt)}, ${mode})`);
  return 0;
}

/**
 * kafkajs 2.2.4 schedules a timer with a negative delay on every request; Node 24 warns about it
 * each time. The warning is harmless noise in progress output, so it alone is dropped.
 */
function ignoreKafkajsTimerWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name !== 'TimeoutNegativeWarning')
      process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
}

async function main(): Promise<number> {
  ignoreKafkajsTimerWarnings();
  const [command, ...rest] = process.argv.slice(2);
  try {
    return await run(command, parseServiceNames(rest));
  } catch (error) {
    if (error instanceof ServiceError) printFailure(error.message, error.logFile, error.logTail);
    else printFailure((error as Error).message ?? String(error));
    return error instanceof ServiceError || (error as Error).message?.includes('usage:') ? 1 : 2;
  }
}

// Exit explicitly: client libraries used by the probes may leave timers behind.
process.exit(await main());
