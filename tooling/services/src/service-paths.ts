import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file lives in `tooling/services/src`. */
export const repositoryRoot: string = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/**
 * Runtime state (data directories, pid files, logs) of natively started services. It belongs to
 * this checkout and is git-ignored; `EVENTSOURCE_SERVICES_STATE_DIR` moves it.
 */
export function stateDirectory(): string {
  return process.env.EVENTSOURCE_SERVICES_STATE_DIR ?? join(repositoryRoot, '.services');
}

/**
 * Downloaded and built artifacts (Kafka's jars, the Jaeger binary, Maven's repository), shared by
 * every checkout on the machine so that only the first `up` pays for them.
 * `EVENTSOURCE_SERVICES_CACHE_DIR` moves it.
 */
export function cacheDirectory(): string {
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return process.env.EVENTSOURCE_SERVICES_CACHE_DIR ?? join(cacheHome, 'eventsource-services');
}

export function serviceStateDirectory(serviceName: string): string {
  return join(stateDirectory(), serviceName);
}

/** A path as printed to people: relative to the repository root when it is inside it. */
export function displayPath(path: string): string {
  const fromRoot = relative(repositoryRoot, path);
  return fromRoot.startsWith('..') ? path : fromRoot;
}
