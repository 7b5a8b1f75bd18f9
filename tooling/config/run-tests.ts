// The whole test suite, as a new user and CI run it (`pnpm test`): starts the services the
// integration tests need, runs every jest project in one run with core's coverage, and ends with
// one plain total line (`N passed, N failed`).
import { spawnSync } from 'node:child_process';
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
const jestArgs = [
  '--experimental-vm-modules',
  '--no-warnings=ExperimentalWarning',
  'node_modules/jest/bin/jest.js',
  '--coverage',
  // A test that leaks a client (a broker connection still retrying) would keep jest alive after
  // the run and CI would wait for its time limit; jest names the leak when it forces the exit.
  '--forceExit',
  '--json',
  `--outputFile=${resultsFile}`,
  ...(unitOnly ? ['--testPathIgnorePatterns', '\\.integration\\.test\\.ts$', '/node_modules/'] : []),
  ...passthrough,
];
const status = run(process.execPath, jestArgs);

if (!existsSync(resultsFile)) {
  console.error('tests: jest wrote no results');
  process.exit(status || 1);
}
const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numRuntimeErrorTestSuites: number;
};
const skipped = results.numPendingTests + results.numTodoTests;
const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
console.log(`${results.numPassedTests} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(status !== 0 ? status : failed > 0 ? 1 : 0);
