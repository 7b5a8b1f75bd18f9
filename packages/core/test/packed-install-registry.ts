// A private npm registry on 127.0.0.1 (Verdaccio) that the workspace is published to with the
// release command users run (`pnpm release`: build, then `changeset publish`), so a project
// outside the workspace installs @eventsource/* packages exactly as a user would: one package at
// a time, `workspace:` ranges rewritten by the publish, the driver kits resolved through the
// adapters' own dependency ranges. Only the @eventsource scope is served from here; everything
// else comes from the machine's configured registry, pinned to the workspace lockfile's versions
// (packed-install-pins.ts) unless a run asks for the newest versions the ranges allow.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lockfilePins } from './packed-install-pins.ts';

const run = promisify(execFile);

export const workspaceRoot = join(import.meta.dirname, '..', '..', '..');

/**
 * How consumer projects resolve third-party packages: `locked` (the default, what CI runs) pins
 * every package to the version in the workspace's pnpm-lock.yaml, so the verdict depends on the
 * commit alone; `newest` (`./pnpmw check:upstream`) lets each range take its newest release.
 */
export type Resolution = 'locked' | 'newest';

export function resolutionFromEnvironment(): Resolution {
  const value = process.env.EVENTSOURCE_PACKED_RESOLUTION ?? 'locked';
  if (value !== 'locked' && value !== 'newest') {
    throw new Error(`EVENTSOURCE_PACKED_RESOLUTION must be "locked" or "newest", not "${value}"`);
  }
  return value;
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

export interface Registry {
  readonly url: string;
  /** What `pnpm release` printed (its list of published packages). */
  readonly releaseOutput: string;
  close(): Promise<void>;
}

/**
 * Starts Verdaccio on a free loopback port with an empty storage, signs a user up, and runs the
 * workspace's `pnpm release` against it (no git tags: this is not a real release). Resolves once
 * every publishable package is on the registry.
 */
export async function startRegistryWithRelease(): Promise<Registry> {
  const home = mkdtempSync(join(tmpdir(), 'eventsource-verdaccio-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(home, 'config.yaml'),
    [
      `storage: ${join(home, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(home, 'htpasswd')}`,
      '    max_users: 1',
      // No uplinks: the @eventsource scope exists only here, so nothing of the public registry's
      // can stand in for a package that failed to publish.
      'uplinks: {}',
      'packages:',
      "  '@eventsource/*':",
      '    access: $all',
      '    publish: $authenticated',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const log = createWriteStream(join(home, 'verdaccio.log'));
  const server: ChildProcess = spawn(
    process.execPath,
    [verdaccioBin(), '--config', join(home, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);
  const close = async (): Promise<void> => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    log.end();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    await waitForPing(url, server, join(home, 'verdaccio.log'));
    const token = await signUp(url);
    const userconfig = join(home, 'npmrc');
    writeFileSync(userconfig, `@eventsource:registry=${url}/\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    const releaseOutput = await runIn(workspaceRoot, 'pnpm', ['--silent', 'release', '--no-git-tag'], {
      ...process.env,
      NPM_CONFIG_USERCONFIG: userconfig,
    });
    return { url, releaseOutput, close };
  } catch (error) {
    await close();
    throw error;
  }
}

function verdaccioBin(): string {
  return join(import.meta.dirname, '..', 'node_modules', 'verdaccio', 'bin', 'verdaccio');
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('registry: no free port');
  return address.port;
}

async function waitForPing(url: string, server: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) {
      throw new Error(`verdaccio exited (${server.exitCode}):\n${readFileSync(logFile, 'utf8')}`);
    }
    try {
      const response = await fetch(`${url}/-/ping`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`verdaccio did not answer at ${url} within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The npm login protocol's sign-up call; answers a token that may publish. */
async function signUp(url: string): Promise<string> {
  const name = 'eventsource-release';
  const response = await fetch(`${url}/-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: `test-${process.pid}-${Date.now()}` }),
  });
  const body = (await response.json()) as { token?: string };
  if (!response.ok || body.token === undefined) {
    throw new Error(`verdaccio refused the sign-up: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.token;
}

/**
 * A fresh project outside the workspace whose `.npmrc` points the `@eventsource` scope at
 * `registryUrl`, with `files` written into it. With `locked` resolution its package.json carries
 * `pnpm.overrides` for every third-party package of the workspace lockfile. Nothing is installed.
 */
export function consumerProject(
  name: string,
  registryUrl: string,
  resolution: Resolution,
  files: Readonly<Record<string, string>>,
): string {
  const dir = mkdtempSync(join(tmpdir(), `eventsource-${name}-`));
  writeFileSync(join(dir, '.npmrc'), `@eventsource:registry=${registryUrl}/\n`);
  const manifest = {
    name,
    private: true,
    type: 'module',
    pnpm: {
      // Only a run that executes the examples builds it (locked runs install without scripts).
      onlyBuiltDependencies: ['better-sqlite3'],
      ...(resolution === 'locked' ? { overrides: lockfilePins(join(workspaceRoot, 'pnpm-lock.yaml')) } : {}),
    },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** Runs a command in `cwd`; on failure the error carries the command's output. */
export async function runIn(
  cwd: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  try {
    const { stdout } = await run(command, [...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${output.stdout ?? ''}${output.stderr ?? ''}`,
      { cause: error },
    );
  }
}
