// The whole test suite, as a new user and CI run it (`pnpm test`): starts the services the
// integration tests need, runs every jest project in one run with core's coverage, and ends with
// one plain total line (`N passed, N failed`). `pnpm test <path>` runs part of it, `pnpm test:unit
// [<path>]` the tests that need no services.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const unitOnly = process.argv.includes('--unit');
const passthrough = process.argv.slice(2).filter((argument) => argument !== '--unit');

function run(command: string, args: readonly string[]): number {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (!unitOnly) {
  console.log('tests: starting services (tooling/services)');
  if (run(process.execPath, ['tooling/services/src/cli.ts', 'up']) !== 0) {
    console.error('tests: services did not come up; see the messages above');
    process.exit(1);
  }
}

const resultsFile = join(root, '.jest-results.json');
rmSync(resultsFile, { force: true });
// Core's coverage threshold is for the whole suite: a part of it (the unit tests, or the tests a
// path or `-t` names) runs without coverage.
const wholeSuite = !unitOnly && passthrough.length === 0;
const jestArgs = [
  '--experimental-vm-modules',
  '--no-warnings=ExperimentalWarning',
  'node_modules/jest/bin/jest.js',
  // First: jest's list options (`--testPathIgnorePatterns`) would swallow paths after them.
  ...passthrough,
  ...(wholeSuite ? ['--coverage'] : []),
  '--json',
  `--outputFile=${resultsFile}`,
  ...(unitOnly ? ['--testPathIgnorePatterns', '\\.integration\\.test\\.ts$', '/node_modules/'] : []),
];
/** How long jest may take to exit after writing its results. */
const EXIT_GRACE_MS = 30_000;

/**
 * Runs jest and resolves with its exit status. Jest exits by itself once the tests left nothing
 * running. A test that leaks a handle (a client still retrying, a timer, a server) would keep it
 * alive until CI's time limit; instead, jest gets {@link EXIT_GRACE_MS} after writing its results,
 * then is stopped with a warning that says how to find the handle (`undefined`: the run's outcome
 * is then only in the results file). Unlike `--forceExit`, a clean run prints nothing.
 */
async function runJest(args: readonly string[]): Promise<number | undefined> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
  let resultsAt: number | undefined;
  let stopped = false;
  const watchdog = setInterval(() => {
    if (!existsSync(resultsFile)) return;
    resultsAt ??= Date.now();
    if (Date.now() - resultsAt < EXIT_GRACE_MS) return;
    stopped = true;
    clearInterval(watchdog);
    console.warn(
      `tests: jest did not exit ${EXIT_GRACE_MS / 1000} s after the run: a test left something running ` +
        '(a client, a timer, a server). Stopping it; find it with `pnpm test <path> --detectOpenHandles`.',
    );
    child.kill('SIGKILL');
  }, 1_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(watchdog);
  return stopped ? undefined : (code ?? 1);
}

const exitStatus = await runJest(jestArgs);

if (!existsSync(resultsFile)) {
  console.error('tests: jest wrote no results');
  process.exit(exitStatus || 1);
}
const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numRuntimeErrorTestSuites: number;
  success: boolean;
};
const skipped = results.numPendingTests + results.numTodoTests;
const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
console.log(`${results.numPassedTests} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
const status = exitStatus ?? (results.success ? 0 : 1);
process.exit(status !== 0 ? status : failed > 0 ? 1 : 0);
