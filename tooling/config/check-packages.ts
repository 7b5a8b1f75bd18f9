// Checks that every published package packs to a tarball that passes publint and
// "are the types wrong" (@arethetypeswrong/cli), and whose manifest a registry can resolve: no
// `workspace:` range left, and every @eventsource dependency (the driver kits the adapters depend
// on, core as a peer) at a range the workspace's own version satisfies, so the packages published
// together install together. packages/core/test/packed-install.integration.test.ts then publishes
// them to a private registry with the release command and installs them from it as a user would.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const packagesDir = join(root, 'packages');
const versions = new Map(
  readdirSync(packagesDir).map((name) => {
    const manifest = JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    return [manifest.name, manifest.version] as const;
  }),
);

/** Problems a registry would have with the packed manifest. */
function manifestProblems(tarball: string): string[] {
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
  ) as Record<string, Record<string, string> | undefined>;
  const problems: string[] = [];
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dependency, range] of Object.entries(manifest[field] ?? {})) {
      if (range.startsWith('workspace:')) problems.push(`${field}.${dependency} is still "${range}"`);
      const version = versions.get(dependency);
      if (version !== undefined && !satisfiedBy(range, version)) {
        problems.push(
          `${field}.${dependency} is "${range}", which ${dependency}@${version} does not satisfy`,
        );
      }
    }
  }
  return problems;
}

/** The ranges `pnpm pack` writes for workspace packages: exact, `^x.y.z`, `~x.y.z`, `>=x.y.z`. */
function satisfiedBy(range: string, version: string): boolean {
  const match = /^(\^|~|>=)?(\d+)\.(\d+)\.(\d+)$/.exec(range.trim());
  if (match === null) return false;
  const [, operator = '', ...wanted] = match;
  const [major, minor, patch] = wanted.map(Number) as [number, number, number];
  const [vMajor, vMinor, vPatch] = version.split('.').map(Number) as [number, number, number];
  const compare = vMajor - major || vMinor - minor || vPatch - patch;
  if (operator === '') return compare === 0;
  if (operator === '>=') return compare >= 0;
  if (compare < 0) return false;
  if (operator === '~') return vMajor === major && vMinor === minor;
  return major > 0 ? vMajor === major : vMajor === 0 && vMinor === minor;
}
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
  const problems = manifestProblems(tarball);
  if (problems.length === 0) {
    console.log(`ok   ${manifest.name} manifest`);
  } else {
    failures += 1;
    console.error(`FAIL ${manifest.name} manifest\n  ${problems.join('\n  ')}`);
  }
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
