// Checks that every published package packs to a tarball that passes publint and
// "are the types wrong" (@arethetypeswrong/cli).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const packagesDir = join(root, 'packages');
const outDir = mkdtempSync(join(tmpdir(), 'eventsource-pack-'));
let failures = 0;

for (const name of readdirSync(packagesDir).sort()) {
  const dir = join(packagesDir, name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string;
    private?: boolean;
  };
  if (manifest.private) continue;
  const packed = execFileSync('pnpm', ['pack', '--pack-destination', outDir, '--json'], {
    cwd: dir,
    encoding: 'utf8',
  });
  const tarball = (JSON.parse(packed) as { filename: string }).filename;
  for (const [tool, args] of [
    ['publint', ['exec', 'publint', '--strict', tarball]],
    ['attw', ['exec', 'attw', '--profile', 'esm-only', '--format', 'table-flipped', tarball]],
  ] as const) {
    try {
      execFileSync('pnpm', args, { cwd: root, stdio: 'pipe', encoding: 'utf8' });
      console.log(`ok   ${manifest.name} ${tool}`);
    } catch (error) {
      failures += 1;
      const output = error as { stdout?: string; stderr?: string };
      console.error(`FAIL ${manifest.name} ${tool}\n${output.stdout ?? ''}${output.stderr ?? ''}`);
    }
  }
}
rmSync(outDir, { recursive: true, force: true });
process.exit(failures === 0 ? 0 : 1);
