import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export type CommandOptions = {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Output (stdout and stderr) is appended here as well as kept in memory. */
  readonly logFile?: string;
  /** The command is killed (SIGKILL) when it runs longer than this. */
  readonly timeoutMs?: number;
};

export type CommandResult = {
  /** The exit code; 127 when the command could not be started, 137 when it timed out. */
  readonly exitCode: number;
  /** The last 64 KiB of stdout and stderr, interleaved as they arrived. */
  readonly output: string;
};

const keptOutputBytes = 64 * 1024;

/** Runs a command to completion. Never throws for a failing command: callers read `exitCode`. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const log =
      options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
    log?.write(`$ ${[command, ...args].join(' ')}\n`);
    let output = '';
    const keep = (chunk: Buffer): void => {
      log?.write(chunk);
      output = (output + chunk.toString('utf8')).slice(-keptOutputBytes);
    };
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            output += `\n(killed after ${Math.round(options.timeoutMs! / 1000)}s)`;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const finish = (exitCode: number): void => {
      if (timer !== undefined) clearTimeout(timer);
      if (log === undefined) resolve({ exitCode, output });
      else log.end(() => resolve({ exitCode, output }));
    };
    child.once('error', (error) => {
      output += `${command}: ${error.message}`;
      finish(127);
    });
    child.once('close', (code, signal) => finish(code ?? (signal === 'SIGKILL' ? 137 : 1)));
  });
}

/** The absolute path of an executable found on PATH, or undefined. */
export async function findExecutable(name: string): Promise<string | undefined> {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}
