import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { dirname, join } from 'node:path';
import type { MachineInfo } from './results.ts';

export function machineInfo(): MachineInfo {
  const processors = cpus();
  return {
    cpus: processors.length,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.versions.node,
    v8: process.versions.v8,
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/** The measured packages and the drivers and OpenTelemetry packages they ran with. */
const PACKAGES = [
  '@eventsource/core',
  '@eventsource/store-sqlite',
  '@eventsource/snapshot-sqlite',
  '@eventsource/store-postgres',
  '@eventsource/snapshot-postgres',
  '@eventsource/bus-kafka',
  'better-sqlite3',
  'pg',
  'kafkajs',
  '@opentelemetry/api',
  '@opentelemetry/sdk-trace',
  '@opentelemetry/context-async-hooks',
] as const;

export function packageVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const versions: Record<string, string> = {};
  for (const name of PACKAGES) versions[name] = versionOf(require, name);
  return versions;
}

function versionOf(require: NodeJS.Require, name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string })
      .version;
  } catch {
    // Packages without "./package.json" in their exports: walk up from the entry point.
    try {
      let directory = dirname(require.resolve(name));
      for (let depth = 0; depth < 6; depth += 1) {
        try {
          const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
            name?: string;
            version?: string;
          };
          if (manifest.name === name && manifest.version !== undefined) return manifest.version;
        } catch {
          // not here; keep walking up
        }
        directory = dirname(directory);
      }
    } catch {
      // not installed
    }
    return 'not installed';
  }
}

export function gitState(root: string): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const status = execFileSync('git', ['status', '--porcelain'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}
