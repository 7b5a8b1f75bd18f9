// A throwaway npm registry on 127.0.0.1 that serves the workspace's packed tarballs, so a project
// outside the workspace installs @eventsource/* packages exactly as a user's registry would serve
// them: `workspace:` ranges rewritten by `pnpm pack`, the driver kits resolved through the
// adapters' own dependency ranges, everything else from the real registry.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const workspaceRoot = join(import.meta.dirname, '..', '..', '..');

/** One packed workspace package: its tarball and the manifest inside it (as published). */
export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  readonly tarball: string;
  readonly manifest: Record<string, unknown>;
}

/** Every publishable package's directory, by package name. */
export function publishablePackages(): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(join(workspaceRoot, 'packages'))) {
    const dir = join(workspaceRoot, 'packages', entry);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      private?: boolean;
    };
    if (!manifest.private) found.set(manifest.name, dir);
  }
  return found;
}

/**
 * Builds and packs the named packages and the workspace packages they depend on, dependencies
 * first. Each is built on its own (`pnpm run build`), not through turbo, whose graph would also
 * build the test-only dev dependencies. `pnpm pack` is what `pnpm publish` uploads, so the
 * manifests are the published ones.
 */
export async function packPackages(names: readonly string[], outDir: string): Promise<PackedPackage[]> {
  const directories = publishablePackages();
  const wanted = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string): void => {
    const dir = directories.get(name);
    if (dir === undefined || seen.has(name)) return;
    seen.add(name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    for (const field of ['dependencies', 'peerDependencies']) {
      for (const [dependency, range] of Object.entries(manifest[field] ?? {})) {
        if (range.startsWith('workspace:')) visit(dependency);
      }
    }
    wanted.add(name);
  };
  names.forEach(visit);
  const packed: PackedPackage[] = [];
  for (const name of wanted) {
    const dir = directories.get(name)!;
    await runIn(dir, 'pnpm', ['run', 'build']);
    const { stdout } = await run('pnpm', ['pack', '--pack-destination', outDir, '--json'], { cwd: dir });
    const tarball = (JSON.parse(stdout) as { filename: string }).filename;
    const { stdout: manifestText } = await run('tar', ['-xzOf', tarball, 'package/package.json']);
    const manifest = JSON.parse(manifestText) as Record<string, unknown> & { version: string };
    packed.push({ name, version: manifest.version, tarball, manifest });
  }
  return packed;
}

/** A registry for the `@eventsource` scope serving `packages`, until `close()`. */
export async function startRegistry(
  packages: readonly PackedPackage[],
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const byName = new Map(packages.map((entry) => [entry.name, entry]));
  const byFile = new Map(packages.map((entry) => [basename(entry.tarball), entry]));
  let baseUrl = '';
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://registry').pathname);
    const fromTarball = path.startsWith('/-/') ? byFile.get(path.slice(3)) : undefined;
    if (fromTarball !== undefined) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.end(readFileSync(fromTarball.tarball));
      return;
    }
    const entry = byName.get(path.slice(1));
    if (entry === undefined) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'not found' }));
      return;
    }
    const bytes = readFileSync(entry.tarball);
    const published = new Date(Date.now() - 86_400_000).toISOString();
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        name: entry.name,
        'dist-tags': { latest: entry.version },
        time: { created: published, modified: published, [entry.version]: published },
        versions: {
          [entry.version]: {
            ...entry.manifest,
            dist: {
              tarball: `${baseUrl}/-/${basename(entry.tarball)}`,
              shasum: createHash('sha1').update(bytes).digest('hex'),
              integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
            },
          },
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('registry: no port');
  baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    url: baseUrl,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A fresh project outside the workspace whose `.npmrc` points the `@eventsource` scope at
 * `registryUrl`, with `files` written into it. Nothing is installed yet.
 */
export function consumerProject(
  name: string,
  registryUrl: string,
  files: Readonly<Record<string, string>>,
): string {
  const dir = mkdtempSync(join(tmpdir(), `eventsource-${name}-`));
  writeFileSync(join(dir, '.npmrc'), `@eventsource:registry=${registryUrl}/\n`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** Runs a command in `cwd`; on failure the error carries the command's output. */
export async function runIn(cwd: string, command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(command, [...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${output.stdout ?? ''}${output.stderr ?? ''}`,
      { cause: error },
    );
  }
}
