import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jestSetup, readmeSteps } from './packed-install-readme-steps.ts';
import {
  consumerProject,
  packPackages,
  publishablePackages,
  runIn,
  startRegistry,
  workspaceRoot,
} from './packed-install-registry.ts';

// A TypeScript user who follows a package README: in a fresh project outside the workspace, run
// the README's install commands as written (against a registry that serves the packed tarballs,
// so the driver kits come in through the adapters' dependencies), paste the "## Usage" example,
// and compile with `skipLibCheck: false`. An install line that leaves out a package the published
// types need (`@types/better-sqlite3`, `@types/pg`) fails with TS7016 here; a declaration file that
// imports an optional peer the line does not install (`@opentelemetry/api`) fails with TS2307.
//
// README parsing: packed-install-readme-steps.ts. A README with a "## Jest setup" section is also
// followed that far: its install lines, jest.config.js and scripts, then the Usage example, saved
// as usage.test.ts, must pass under `pnpm test`.
// The project's own baseline is `typescript` and `@types/node`, at the workspace's versions.
// Every publishable package with a README is followed; README_PACKAGES=name,name limits a local run.

function workspaceVersion(name: string): string {
  const manifest = join(workspaceRoot, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

const tsconfig = JSON.stringify({
  compilerOptions: {
    target: 'es2022',
    lib: ['es2023', 'esnext.disposable'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    types: ['node'],
  },
  include: ['usage.ts'],
});

const only = process.env.README_PACKAGES?.split(',').filter((name) => name.length > 0);
const readmes = [...publishablePackages()]
  .filter(([name, dir]) => existsSync(join(dir, 'README.md')) && (only === undefined || only.includes(name)))
  .map(([name, dir]) => [name, join(dir, 'README.md')] as const);

describe('package READMEs, followed from a packed install', () => {
  const dirs: string[] = [];
  let registry: Awaited<ReturnType<typeof startRegistry>>;

  beforeAll(async () => {
    const out = mkdtempSync(join(tmpdir(), 'eventsource-tarballs-'));
    dirs.push(out);
    registry = await startRegistry(
      await packPackages(
        readmes.map(([name]) => name),
        out,
      ),
    );
  }, 300_000);
  afterAll(async () => {
    await registry?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

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
    async (name, readme) => {
      const steps = readmeSteps(readFileSync(readme, 'utf8'));
      const dir = consumerProject(name.replace(/\W+/g, '-'), registry.url, {
        'tsconfig.json': tsconfig,
        'usage.ts': `${steps.usage}\nexport {};\n`,
      });
      dirs.push(dir);
      const pnpm = ['--config.ignore-scripts=true', '--reporter=silent'];
      await runIn(dir, 'pnpm', [
        'add',
        ...pnpm,
        '-D',
        `typescript@${workspaceVersion('typescript')}`,
        `@types/node@${workspaceVersion('@types/node')}`,
      ]);
      for (const args of steps.install) await runIn(dir, 'pnpm', ['add', ...pnpm, ...args]);
      const installed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      expect({ ...installed.dependencies, ...installed.devDependencies }[name]).toBeDefined();
      // The optional peer stays out unless the README's required lines bring it in.
      const optionalPeerInstalled = existsSync(join(dir, 'node_modules', '@opentelemetry', 'api'));
      expect(optionalPeerInstalled).toBe(steps.install.flat().includes('@opentelemetry/api'));
      await expect(runIn(dir, 'pnpm', ['exec', 'tsc', '-p', '.'])).resolves.toBe('');

      const jest = jestSetup(readFileSync(readme, 'utf8'));
      if (jest === undefined) return;
      for (const args of jest.install) await runIn(dir, 'pnpm', ['add', ...pnpm, ...args]);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ ...manifest, scripts: jest.scripts }, null, 2),
      );
      writeFileSync(join(dir, 'jest.config.js'), jest.config);
      writeFileSync(join(dir, 'usage.test.ts'), `${steps.usage}\nexport {};\n`);
      await runIn(dir, 'pnpm', ['test']);
    },
    240_000,
  );
});
