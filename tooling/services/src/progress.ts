/**
 * Progress lines, one per event, readable in a terminal and in CI logs alike:
 * `services: postgres ... up (1.2s) at 127.0.0.1:5432, log: .services/postgres/postgres.log`.
 */
export function printProgress(serviceName: string | undefined, message: string): void {
  const label = serviceName === undefined ? 'services:' : `services: ${serviceName.padEnd(8)} ...`;
  process.stdout.write(`${label} ${message}\n`);
}

export function printFailure(message: string, logFile?: string, logTail?: string): void {
  const lines = [`services: FAILED ${message}`];
  if (logTail !== undefined) {
    lines.push(`---- last lines of ${logFile ?? 'the log'} ----`, logTail, '----');
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** Milliseconds since `startedAt` (a `performance.now()` value), as `1.2s`. */
export function elapsed(startedAt: number): string {
  return `${((performance.now() - startedAt) / 1000).toFixed(1)}s`;
}
