// The workspace lockfile as pnpm overrides for a project outside the workspace, so that project
// installs every third-party package at the version the workspace was tested with, whatever the
// registry has published since. A package the lockfile holds at one version is pinned by name; one
// it holds at several is pinned per dependent (`parent@1.2.3>child`), as the lockfile resolved it.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

interface Lockfile {
  readonly packages?: Readonly<Record<string, unknown>>;
  readonly snapshots?: Readonly<Record<string, Snapshot | null>>;
}

interface Snapshot {
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

/** `'@scope/name@1.2.3(peer@4.5.6)'` → name and version, peers dropped. */
export function packageKey(key: string): { readonly name: string; readonly version: string } {
  const withoutPeers = key.replace(/\(.*$/, '');
  const at = withoutPeers.lastIndexOf('@');
  if (at <= 0) throw new Error(`not a lockfile package key: ${key}`);
  return { name: withoutPeers.slice(0, at), version: withoutPeers.slice(at + 1) };
}

function readLockfile(path: string): Lockfile {
  return parse(readFileSync(path, 'utf8')) as Lockfile;
}

/** Every version the lockfile holds, by package name. */
export function lockedVersions(lockfilePath: string): Map<string, Set<string>> {
  const versions = new Map<string, Set<string>>();
  for (const key of Object.keys(readLockfile(lockfilePath).packages ?? {})) {
    const { name, version } = packageKey(key);
    if (!/^\d/.test(version)) continue;
    versions.set(name, (versions.get(name) ?? new Set()).add(version));
  }
  return versions;
}

/** The `pnpm.overrides` that reproduce the lockfile's resolution of every third-party package. */
export function lockfilePins(lockfilePath: string): Record<string, string> {
  const versions = lockedVersions(lockfilePath);
  const pins: Record<string, string> = {};
  for (const [name, found] of versions) {
    if (found.size === 1) pins[name] = [...found][0]!;
  }
  for (const [key, snapshot] of Object.entries(readLockfile(lockfilePath).snapshots ?? {})) {
    const parent = packageKey(key);
    const edges = { ...snapshot?.dependencies, ...snapshot?.optionalDependencies };
    for (const [child, resolved] of Object.entries(edges)) {
      if ((versions.get(child)?.size ?? 0) < 2) continue;
      const version = resolved.replace(/\(.*$/, '');
      if (/^\d/.test(version)) pins[`${parent.name}@${parent.version}>${child}`] = version;
    }
  }
  return pins;
}

/**
 * The third-party packages a project's lockfile installed at a version the workspace lockfile does
 * not hold (`name@version`), @eventsource packages left out. Empty when the pins held.
 */
export function versionsOutsideLockfile(projectLockfile: string, workspaceLockfile: string): string[] {
  const locked = lockedVersions(workspaceLockfile);
  const outside: string[] = [];
  for (const [name, found] of lockedVersions(projectLockfile)) {
    if (name.startsWith('@eventsource/')) continue;
    for (const version of found) {
      if (!(locked.get(name)?.has(version) ?? false)) outside.push(`${name}@${version}`);
    }
  }
  return outside.sort();
}

/**
 * The exact version to install a package a project names directly, as the lockfile resolved it for
 * the workspace project `importer` (`packages/bus-redis`) or the workspace root, or its only locked
 * version.
 */
export function lockedDirectVersion(lockfilePath: string, importer: string, name: string): string {
  const lockfile = parse(readFileSync(lockfilePath, 'utf8')) as {
    importers?: Record<string, Record<string, Record<string, { version: string }> | undefined>>;
  };
  // The project's own version first, then the workspace root's (TypeScript, Node's types).
  for (const project of [lockfile.importers?.[importer], lockfile.importers?.['.']]) {
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
      const version = project?.[field]?.[name]?.version.replace(/\(.*$/, '');
      if (version !== undefined && /^\d/.test(version)) return version;
    }
  }
  const found = [...(lockedVersions(lockfilePath).get(name) ?? [])];
  if (found.length === 1) return found[0]!;
  throw new Error(
    found.length === 0
      ? `${name} is not in the workspace lockfile: add it to ${importer}'s devDependencies so its version is locked`
      : `${name} is locked at ${found.join(', ')}; ${importer} does not depend on it, so which one is meant is unclear`,
  );
}
