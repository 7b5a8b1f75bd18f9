import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';

export type DetachedProcessOptions = {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  /** Receives the pid, which is also the id of the process group the daemon leads. */
  readonly pidFile: string;
};

/**
 * Starts a long-running server that outlives this CLI: its own session and process group, no
 * stdin, output to its log file. Returns its pid.
 */
export async function startDetached(options: DetachedProcessOptions): Promise<number> {
  const logDescriptor = openSync(options.logFile, 'a');
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', logDescriptor, logDescriptor],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid!));
    });
    child.unref();
    await writeFile(options.pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(logDescriptor);
  }
}

/** The pid recorded in a pid file (the first line), or undefined when there is none. */
export async function readPidFile(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0]!.trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` names a live process (a zombie counts as dead). */
export async function isProcessAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/**
 * The pid in `pidFile` when that process is alive and its command line contains `commandMarker`.
 * The marker guards against a stale pid file (after a reboot) whose pid now belongs to an
 * unrelated process, which must be neither reused nor signalled.
 */
export async function readLivePid(pidFile: string, commandMarker: string): Promise<number | undefined> {
  const pid = await readPidFile(pidFile);
  if (pid === undefined || !(await isProcessAlive(pid))) return undefined;
  try {
    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
    return commandLine.includes(commandMarker) ? pid : undefined;
  } catch {
    return pid;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

export type StopOutcome = 'stopped' | 'killed' | 'not-running';

/**
 * Stops a daemon started by `startDetached` (see `readLivePid` for `commandMarker`): SIGTERM to
 * its process group, then SIGKILL when it has not exited after `graceMs`. Removes the pid file.
 */
export async function stopDetached(
  pidFile: string,
  commandMarker: string,
  graceMs: number,
): Promise<StopOutcome> {
  const pid = await readLivePid(pidFile, commandMarker);
  if (pid === undefined) {
    await rm(pidFile, { force: true });
    return 'not-running';
  }
  signalGroup(pid, 'SIGTERM');
  const outcome = (await waitForExit(pid, graceMs)) ? 'stopped' : 'killed';
  if (outcome === 'killed') {
    signalGroup(pid, 'SIGKILL');
    await waitForExit(pid, 5000);
  }
  await rm(pidFile, { force: true });
  return outcome;
}

/** Polls until `pid` has exited; false when it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isProcessAlive(pid))) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !(await isProcessAlive(pid));
}
