import { access, rm, writeFile } from 'node:fs/promises';
import { runCommand } from './run-command.ts';

export async function isDebianPackageInstalled(packageName: string): Promise<boolean> {
  const result = await runCommand('dpkg-query', ['-W', '-f=${Status}', packageName]);
  return result.exitCode === 0 && result.output.includes('install ok installed');
}

const policyFile = '/usr/sbin/policy-rc.d';

/**
 * Keeps maintainer scripts from starting the freshly installed servers through init scripts
 * (Debian's `policy-rc.d` protocol, exit code 101 = "not allowed"): those would hold our ports with
 * the system-wide configuration, out of reach of `services:down`. An existing policy is kept.
 */
async function withServiceStartsDenied<T>(work: () => Promise<T>): Promise<T> {
  try {
    await access(policyFile);
    return await work();
  } catch {
    // No policy yet: install ours for the duration of the installation.
  }
  await writeFile(
    policyFile,
    '#!/bin/sh\n# Written by eventsource tooling/services during apt-get install.\nexit 101\n',
    {
      mode: 0o755,
    },
  );
  try {
    return await work();
  } finally {
    await rm(policyFile, { force: true });
  }
}

/**
 * Installs Debian packages with apt-get (non-interactive, no recommended extras), refreshing the
 * package lists first. Needs root, or password-less sudo. Output goes to `logFile`; throws with
 * its tail when apt-get fails.
 */
export async function installDebianPackages(packageNames: readonly string[], logFile: string): Promise<void> {
  const isRoot = process.getuid?.() === 0;
  const prefix = isRoot ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: readonly string[]) => {
    const [command, ...rest] = [...prefix, 'apt-get', ...args];
    return runCommand(command!, rest, { env, logFile, timeoutMs: 20 * 60_000 });
  };
  const install = async (): Promise<void> => {
    const update = await run(['-o', 'DPkg::Lock::Timeout=300', 'update']);
    if (update.exitCode !== 0)
      throw new Error(`apt-get update failed:\n${update.output.trimEnd().split('\n').slice(-15).join('\n')}`);
    const result = await run([
      '-o',
      'DPkg::Lock::Timeout=300',
      'install',
      '-y',
      '--no-install-recommends',
      ...packageNames,
    ]);
    if (result.exitCode !== 0) {
      const hint = isRoot ? '' : ' (not root: password-less sudo is needed, or install them yourself)';
      throw new Error(
        `apt-get install ${packageNames.join(' ')} failed${hint}:\n${result.output.trimEnd().split('\n').slice(-15).join('\n')}`,
      );
    }
  };
  await (isRoot ? withServiceStartsDenied(install) : install());
}
