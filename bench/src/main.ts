// `pnpm bench [--full]`: the benchmark suite's entry point. Workspace packages resolve to their
// TypeScript sources only under the `@eventsource/source` export condition, so this file imports
// nothing from the workspace: it re-runs itself with that condition (and `--expose-gc`, so runs can
// start from a collected heap), then hands over to run.ts.
import { spawnSync } from 'node:child_process';

const CONDITION = '--conditions=@eventsource/source';
const CHILD_MARKER = 'EVENTSOURCE_BENCH_CHILD';

if (process.env[CHILD_MARKER] === '1' || process.execArgv.includes(CONDITION)) {
  const { main } = await import('./run.ts');
  process.exitCode = await main(process.argv.slice(2));
} else {
  const args = process.argv.slice(2);
  const nodeOptions = [CONDITION, '--expose-gc'];
  const child = spawnSync(
    process.execPath,
    [...nodeOptions, ...process.execArgv, import.meta.filename, ...args],
    {
      stdio: 'inherit',
      env: { ...process.env, [CHILD_MARKER]: '1' },
    },
  );
  if (child.error !== undefined) throw child.error;
  process.exitCode = child.status ?? 1;
}
