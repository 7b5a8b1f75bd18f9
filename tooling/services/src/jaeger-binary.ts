import { chmod, cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pinnedVersions } from './pinned-versions.ts';
import { findExecutable, runCommand } from './run-command.ts';
import { displayPath } from './service-paths.ts';

const jaegerModule = 'github.com/jaegertracing/jaeger';

export function jaegerBinaryPath(cacheDirectory: string): string {
  return join(cacheDirectory, `jaeger-${pinnedVersions.jaeger.release}`, 'jaeger');
}

async function goExecutable(): Promise<string> {
  const go = (await findExecutable('go')) ?? '/usr/local/go/bin/go';
  const version = await runCommand(go, ['env', 'GOVERSION']);
  const match = /^go(\d+)\.(\d+)/.exec(version.output.trim());
  if (version.exitCode !== 0 || match === null) {
    throw new Error('Go 1.24 or newer is needed once to build Jaeger (go was not found)');
  }
  if (Number(match[1]) === 1 && Number(match[2]) < 24) {
    throw new Error(`Go 1.24 or newer is needed once to build Jaeger (found ${version.output.trim()})`);
  }
  return go;
}

/**
 * The pinned Jaeger v2 binary, built once from its Go module into the cache.
 *
 * Why this way: `go install <module>/cmd/jaeger@<version>` would be the obvious command, but the
 * module's `v2.x` tags are not valid versions of a module path without `/v2`, and its `v1.x` tags
 * carry a `replace` directive, which `go install pkg@version` refuses. v2.20.0's untagged commit
 * would avoid both, but the Go module proxy reachable here serves only tagged versions (403 for
 * the commit). So the module source of tag v1.76.0 (= release 2.13.0) is downloaded through the
 * proxy and built as the main module, where its `replace` applies. The UI is not built (its
 * assets come from a git submodule); the query API, which is what tests use, is complete.
 */
export async function ensureJaegerBinary(
  cacheDirectory: string,
  logFile: string,
  report: (message: string) => void,
): Promise<string> {
  const binary = jaegerBinaryPath(cacheDirectory);
  if (
    await stat(binary).then(
      (found) => found.isFile(),
      () => false,
    )
  )
    return binary;

  const go = await goExecutable();
  const { release, goModuleVersion } = pinnedVersions.jaeger;
  report(`building Jaeger ${release} with go (first run only, a few minutes; log: ${displayPath(logFile)})`);
  const environment = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' };
  const download = await runCommand(go, ['mod', 'download', '-json', `${jaegerModule}@${goModuleVersion}`], {
    env: environment,
    logFile,
    timeoutMs: 10 * 60_000,
  });
  const moduleDirectory = /"Dir":\s*"([^"]+)"/.exec(download.output)?.[1];
  if (download.exitCode !== 0 || moduleDirectory === undefined) {
    throw new Error(`go mod download ${jaegerModule}@${goModuleVersion} failed`);
  }

  const directory = join(cacheDirectory, `jaeger-${release}`);
  const source = join(directory, `source-${process.pid}`);
  await mkdir(directory, { recursive: true });
  await rm(source, { recursive: true, force: true });
  await cp(moduleDirectory, source, { recursive: true });
  await runCommand('chmod', ['-R', 'u+w', source]);
  const partial = `${binary}.partial-${process.pid}`;
  try {
    const build = await runCommand(go, ['build', '-trimpath', '-o', partial, './cmd/jaeger'], {
      cwd: source,
      env: environment,
      logFile,
      timeoutMs: 30 * 60_000,
    });
    if (build.exitCode !== 0) throw new Error(`go build ./cmd/jaeger failed (exit ${build.exitCode})`);
    await chmod(partial, 0o755);
    await rename(partial, binary);
  } finally {
    await rm(source, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
  return binary;
}
