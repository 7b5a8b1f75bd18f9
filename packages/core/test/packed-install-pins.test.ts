import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  lockedDirectVersion,
  lockfilePins,
  packageKey,
  versionsOutsideLockfile,
} from './packed-install-pins.ts';

// The pins that keep the packed-install test's verdict a function of the commit: a registry that
// has since published ioredis 6.1.0 must still be asked for the lockfile's 6.0.0.
const dir = mkdtempSync(join(tmpdir(), 'eventsource-pins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const workspace = write(
  'workspace.yaml',
  `lockfileVersion: '9.0'
importers:
  .:
    devDependencies:
      typescript:
        specifier: 5.9.3
        version: 5.9.3
  packages/bus-redis:
    devDependencies:
      ioredis:
        specifier: 6.0.0
        version: 6.0.0
      '@opentelemetry/core':
        specifier: 3.1.1
        version: 3.1.1(@opentelemetry/api@1.10.0)
packages:
  ioredis@6.0.0:
    resolution: {integrity: sha512-x}
  redis-errors@1.2.0:
    resolution: {integrity: sha512-x}
  '@opentelemetry/core@2.12.1':
    resolution: {integrity: sha512-x}
  '@opentelemetry/core@3.1.1':
    resolution: {integrity: sha512-x}
  '@fastify/otel@0.21.2':
    resolution: {integrity: sha512-x}
  typescript@5.6.1-rc:
    resolution: {integrity: sha512-x}
  typescript@5.9.3:
    resolution: {integrity: sha512-x}
snapshots:
  ioredis@6.0.0:
    dependencies:
      redis-errors: 1.2.0
  redis-errors@1.2.0: {}
  '@fastify/otel@0.21.2(@opentelemetry/api@1.10.0)':
    dependencies:
      '@opentelemetry/core': 2.12.1(@opentelemetry/api@1.10.0)
  '@opentelemetry/core@2.12.1(@opentelemetry/api@1.10.0)': {}
  '@opentelemetry/core@3.1.1(@opentelemetry/api@1.10.0)': {}
  typescript@5.6.1-rc: {}
  typescript@5.9.3: {}
`,
);

describe('lockfile pins', () => {
  it('splits package keys, scoped or not, with or without peers', () => {
    expect(packageKey('ioredis@6.0.0')).toEqual({ name: 'ioredis', version: '6.0.0' });
    expect(packageKey('@opentelemetry/core@3.1.1(@opentelemetry/api@1.10.0)')).toEqual({
      name: '@opentelemetry/core',
      version: '3.1.1',
    });
    expect(() => packageKey('ioredis')).toThrow('not a lockfile package key');
  });

  it('pins a package held at one version by name, one held at several per dependent', () => {
    expect(lockfilePins(workspace)).toEqual({
      ioredis: '6.0.0',
      'redis-errors': '1.2.0',
      '@fastify/otel': '0.21.2',
      '@fastify/otel@0.21.2>@opentelemetry/core': '2.12.1',
    });
  });

  it('gives a directly named package the version its workspace project or the root resolved', () => {
    expect(lockedDirectVersion(workspace, 'packages/bus-redis', 'ioredis')).toBe('6.0.0');
    expect(lockedDirectVersion(workspace, 'packages/bus-redis', '@opentelemetry/core')).toBe('3.1.1');
    expect(lockedDirectVersion(workspace, 'packages/bus-redis', 'typescript')).toBe('5.9.3');
    expect(() => lockedDirectVersion(workspace, 'packages/core', '@opentelemetry/core')).toThrow(
      '@opentelemetry/core is locked at 2.12.1, 3.1.1; packages/core does not depend on it',
    );
    expect(() => lockedDirectVersion(workspace, 'packages/core', 'left-pad')).toThrow(
      "left-pad is not in the workspace lockfile: add it to packages/core's devDependencies",
    );
  });

  it('names what a project installed past the lockfile, a newer ioredis for one', () => {
    const project = write(
      'project.yaml',
      `lockfileVersion: '9.0'
packages:
  '@eventsource/bus-redis@0.1.0':
    resolution: {tarball: http://127.0.0.1/x.tgz}
  ioredis@6.1.0:
    resolution: {integrity: sha512-x}
  redis-errors@1.2.0:
    resolution: {integrity: sha512-x}
`,
    );
    expect(versionsOutsideLockfile(project, workspace)).toEqual(['ioredis@6.1.0']);
    expect(versionsOutsideLockfile(workspace, workspace)).toEqual([]);
  });
});
