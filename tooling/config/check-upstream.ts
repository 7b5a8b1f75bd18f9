// `pnpm check:upstream`: would a user installing today get a working package? CI pins every
// third-party package to the workspace lockfile, so its verdict depends on the commit alone; this
// check is the other half. It releases the workspace to a private registry and follows every
// package README with the newest versions the ranges allow (the packed-install test with
// EVENTSOURCE_PACKED_RESOLUTION=newest): install lines as written, usage examples type-checked
// strictly and run against the development services. It prints which packages resolved past the
// lockfile and what broke. Not part of CI (its verdict changes with the registry): run it before
// every submission and say what it found.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const report = mkdtempSync(join(tmpdir(), 'eventsource-upstream-'));
const testFile = 'packages/core/test/packed-install.integration.test.ts';

console.log(
  'check:upstream: releasing to a private registry and following every README with the newest versions',
);
const run = spawnSync(process.execPath, ['tooling/config/run-tests.ts', testFile, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, EVENTSOURCE_PACKED_RESOLUTION: 'newest', EVENTSOURCE_UPSTREAM_REPORT: report },
});

console.log('\ncheck:upstream: versions past the workspace lockfile, per project');
const projects = existsSync(report) ? readdirSync(report).sort() : [];
for (const file of projects) {
  const { project, moved, transitive } = JSON.parse(readFileSync(join(report, file), 'utf8')) as {
    project: string;
    moved: string[];
    transitive: number;
  };
  const named = moved.length === 0 ? 'none of its own' : moved.join(', ');
  console.log(`  ${project}: ${named}${transitive > 0 ? ` (and ${transitive} transitive)` : ''}`);
}
rmSync(report, { recursive: true, force: true });

const results = join(root, '.jest-results.json');
if (existsSync(results)) {
  const { testResults } = JSON.parse(readFileSync(results, 'utf8')) as {
    testResults: { assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
  };
  const failures = testResults
    .flatMap((file) => file.assertionResults)
    .filter((test) => test.status === 'failed');
  console.log(`\ncheck:upstream: ${failures.length === 0 ? 'nothing broke' : `${failures.length} broke`}`);
  for (const failure of failures) {
    const firstLines = failure.failureMessages.join('\n').split('\n').slice(0, 12).join('\n    ');
    console.log(`  - ${failure.fullName}\n    ${firstLines}`);
  }
}
process.exit(run.status ?? 1);
