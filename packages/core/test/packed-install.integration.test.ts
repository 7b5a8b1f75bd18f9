import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { serviceAddresses } from '@eventsource/services';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  lockedDirectVersion,
  lockedVersions,
  packageKey,
  versionsOutsideLockfile,
} from './packed-install-pins.ts';
import {
  everyEntryPoint,
  strictTsconfig,
  withOtelProgram,
  withOtelTypes,
  withoutOtelProgram,
} from './packed-install-programs.ts';
import { jestSetup, readmeSteps } from './packed-install-readme-steps.ts';
import {
  consumerProject,
  publishablePackages,
  resolutionFromEnvironment,
  runIn,
  startRegistryWithRelease,
  workspaceRoot,
  type Registry,
} from './packed-install-registry.ts';

// A user's view of the published packages. The workspace is released to a private registry with
// the release command (packed-install-registry.ts); then, in fresh projects outside the workspace:
// - the packed core runs a ten-line program with the OpenTelemetry SDK and without any
//   OpenTelemetry package, and its declaration files compile (`skipLibCheck: false`) both ways;
// - each package README is followed: its install lines as written, its "## Usage" example compiled
//   strictly (an install line that leaves out a package the published types need fails here with
//   TS7016, an optional peer a declaration file imports with TS2307), and a "## Jest setup"
//   section followed to a passing `pnpm test`.
// Third-party packages resolve to the workspace lockfile's versions, so the verdict depends on the
// commit alone; every installed version is checked against the lockfile. `./pnpmw check:upstream`
// runs the same file with the newest versions the ranges allow (EVENTSOURCE_PACKED_RESOLUTION=newest)
// and then also runs each usage example, writing what it resolved to EVENTSOURCE_UPSTREAM_REPORT.
// README_PACKAGES=name,name limits a local run to those READMEs.

const resolution = resolutionFromEnvironment();
const lockfile = join(workspaceRoot, 'pnpm-lock.yaml');
const report = process.env.EVENTSOURCE_UPSTREAM_REPORT;
const coreDir = join(import.meta.dirname, '..');

/** `pnpm add` arguments as this run installs them: pinned to the lockfile, or as written. */
function resolved(args: readonly string[], importerDir: string): string[] {
  if (resolution === 'newest') return [...args];
  const importer = relative(workspaceRoot, importerDir);
  return args.map((arg) => {
    const hasVersion = arg.lastIndexOf('@') > 0;
    if (arg.startsWith('-') || arg.startsWith('@eventsource/') || hasVersion) return arg;
    return `${arg}@${lockedDirectVersion(lockfile, importer, arg)}`;
  });
}

const pnpmFlags =
  resolution === 'locked' ? ['--config.ignore-scripts=true', '--reporter=silent'] : ['--reporter=silent'];

async function install(dir: string, args: readonly string[], importerDir: string): Promise<void> {
  await runIn(dir, 'pnpm', ['add', ...pnpmFlags, ...resolved(args, importerDir)]);
}

/** Fails a locked run that installed anything the lockfile does not hold; reports a newest run's. */
function checkResolution(dir: string, project: string): void {
  const outside = versionsOutsideLockfile(join(dir, 'pnpm-lock.yaml'), lockfile);
  if (resolution === 'locked') {
    expect(outside).toEqual([]);
  } else if (report !== undefined) {
    // What the project names itself, old version to new; the transitive ones only counted.
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    const named = new Set(
      ['dependencies', 'devDependencies'].flatMap((field) =>
        Object.keys((manifest[field] as object | undefined) ?? {}),
      ),
    );
    const locked = lockedVersions(lockfile);
    const moved = outside
      .map((entry) => packageKey(entry))
      .filter(({ name }) => named.has(name))
      .map(
        ({ name, version }) =>
          `${name} ${[...(locked.get(name) ?? ['(not locked)'])].join('/')} → ${version}`,
      );
    const summary = { project, moved, transitive: outside.length - moved.length };
    mkdirSync(report, { recursive: true });
    writeFileSync(join(report, `${project.replace(/\W+/g, '-')}.json`), JSON.stringify(summary));
  }
}

const only = process.env.README_PACKAGES?.split(',').filter((name) => name.length > 0);
const packages = [...publishablePackages()];
const readmes = packages
  .filter(([name, dir]) => existsSync(join(dir, 'README.md')) && (only === undefined || only.includes(name)))
  .map(([name, dir]) => [name, dir] as const);

const dirs: string[] = [];
let registry: Registry;

beforeAll(async () => {
  registry = await startRegistryWithRelease();
}, 600_000);
afterAll(async () => {
  await registry?.close();
  if (process.env.EVENTSOURCE_KEEP_PROJECTS === undefined) {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
});

describe('the release command', () => {
  it('publishes every publishable package, each installable on its own', async () => {
    const summary = registry.releaseOutput.split('Successfully published:')[1] ?? '';
    const published = [...summary.matchAll(/^(@eventsource\/[\w-]+)@\S+$/gm)].map((match) => match[1]);
    expect(published.sort()).toEqual(packages.map(([name]) => name).sort());
    for (const [name, dir] of packages) {
      const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
        .version;
      const response = await fetch(`${registry.url}/${name.replace('/', '%2f')}`);
      expect(response.status).toBe(200);
      const document = (await response.json()) as { 'dist-tags': Record<string, string> };
      expect(document['dist-tags'].latest).toBe(version);
    }
  });
});

describe('packed @eventsource/core', () => {
  const baseline = ['typescript', '@types/node'];

  it('runs in a project with the OpenTelemetry SDK and emits its spans', async () => {
    const dir = consumerProject('with-otel', registry.url, resolution, {
      'main.mjs': withOtelProgram,
      'types.ts': `${everyEntryPoint(coreDir)}\n${withOtelTypes}`,
      'tsconfig.json': strictTsconfig('types.ts'),
    });
    dirs.push(dir);
    const otel = ['api', 'sdk-trace', 'context-async-hooks', 'sdk-metrics'].map(
      (name) => `@opentelemetry/${name}`,
    );
    await install(dir, ['@eventsource/core', ...otel, ...baseline], coreDir);
    await expect(runIn(dir, 'pnpm', ['exec', 'tsc', '-p', '.'])).resolves.toBe('');
    const output = JSON.parse(await runIn(dir, 'node', ['main.mjs'])) as unknown;
    expect(output).toEqual({
      otel: true,
      open: true,
      spans: [
        'in_memory_event_store.append_events',
        'eventsource.repository.save',
        'in_memory_event_store.get_events',
        'eventsource.repository.load',
      ],
    });
    checkResolution(dir, 'core with OpenTelemetry');
  }, 240_000);

  it('works without @opentelemetry/api installed at all', async () => {
    const dir = consumerProject('without-otel', registry.url, resolution, {
      'main.mjs': withoutOtelProgram,
      'types.ts': everyEntryPoint(coreDir),
      'tsconfig.json': strictTsconfig('types.ts'),
    });
    dirs.push(dir);
    await install(dir, ['@eventsource/core', ...baseline], coreDir);
    await expect(runIn(dir, 'pnpm', ['exec', 'tsc', '-p', '.'])).resolves.toBe('');
    const output = JSON.parse(await runIn(dir, 'node', ['main.mjs'])) as unknown;
    expect(output).toEqual({ otel: false, open: true, version: 1, apiResolvable: false });
    checkResolution(dir, 'core without OpenTelemetry');
  }, 240_000);
});

describe('package READMEs, followed from the registry', () => {
  it('parses install lines, skipping the optional ones', () => {
    const steps = readmeSteps(
      '## Install\n\n```sh\npnpm add a b\n# optional: telemetry\npnpm add c\npnpm add -D d # types\n```\n\n## Usage\n\n```ts\nx;\n```\n',
    );
    expect(steps).toEqual({
      install: [
        ['a', 'b'],
        ['-D', 'd'],
      ],
      usage: 'x;\n',
    });
  });

  it.each(readmes)(
    '%s: the install line gives types the usage example compiles against',
    async (name, packageDir) => {
      const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
      const steps = readmeSteps(readme);
      const dir = consumerProject(name.replace(/\W+/g, '-'), registry.url, resolution, {
        'tsconfig.json': strictTsconfig('usage.ts'),
        'usage.ts': `${steps.usage}\nexport {};\n`,
      });
      dirs.push(dir);
      await install(dir, ['-D', 'typescript', '@types/node'], coreDir);
      for (const args of steps.install) await install(dir, args, packageDir);
      const installed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      expect({ ...installed.dependencies, ...installed.devDependencies }[name]).toBeDefined();
      // The optional peer stays out unless the README's required lines bring it in.
      const optionalPeerInstalled = existsSync(join(dir, 'node_modules', '@opentelemetry', 'api'));
      expect(optionalPeerInstalled).toBe(steps.install.flat().includes('@opentelemetry/api'));
      await expect(runIn(dir, 'pnpm', ['exec', 'tsc', '-p', '.'])).resolves.toBe('');
      const jest = jestSetup(readme);
      // Upstream checks also run the example (a jest example runs under jest below), against the
      // services `check:upstream` started.
      if (resolution === 'newest' && jest === undefined) {
        await runIn(dir, 'node', ['usage.ts'], {
          ...process.env,
          DATABASE_URL: process.env.DATABASE_URL ?? serviceAddresses().postgresUrl,
        });
      }

      if (jest !== undefined) {
        for (const args of jest.install) await install(dir, args, packageDir);
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<
          string,
          unknown
        >;
        writeFileSync(
          join(dir, 'package.json'),
          JSON.stringify({ ...manifest, scripts: jest.scripts }, null, 2),
        );
        writeFileSync(join(dir, 'jest.config.js'), jest.config);
        writeFileSync(join(dir, 'usage.test.ts'), `${steps.usage}\nexport {};\n`);
        await runIn(dir, 'pnpm', ['test']);
      }
      checkResolution(dir, name);
    },
    300_000,
  );
});
