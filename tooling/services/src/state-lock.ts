import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from './detached-process.ts';

/**
 * Runs `work` while holding `.services/lock`, so that two `up` or `down` commands on one checkout
 * (two test runs started together) never start the same daemon twice. A lock whose holder has
 * died is taken over. Waits for at most `timeoutMs`: a cold `up` that builds Jaeger is slow.
 */
export async function withStateLock<T>(
  stateDirectory: string,
  work: () => Promise<T>,
  onWait: (holderPid: number) => void,
  timeoutMs = 30 * 60_000,
): Promise<T> {
  await mkdir(stateDirectory, { recursive: true });
  const lockFile = join(stateDirectory, 'lock');
  const deadline = Date.now() + timeoutMs;
  let reportedHolder: number | undefined;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
    if (!Number.isInteger(holder)) {
      // Either just created and not yet written, or left empty by a crash: wait a little, then take it.
      const age = await stat(lockFile).then(
        (found) => Date.now() - found.mtimeMs,
        () => 0,
      );
      if (age > 5000) await rm(lockFile, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    if (holder === process.pid || !(await isProcessAlive(holder))) {
      await rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another services command (pid ${holder}) holds ${lockFile}`);
    if (reportedHolder !== holder) onWait(holder);
    reportedHolder = holder;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  try {
    return await work();
  } finally {
    await rm(lockFile, { force: true });
  }
}
