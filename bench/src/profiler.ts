import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * Samples the CPU around the measured rounds of one workload only (not its setup or seeding) and
 * writes `<directory>/<name>.cpuprofile`, for `node bench/src/profile-summary.ts` or Chrome DevTools.
 */
export async function profiled<T>(
  directory: string | undefined,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  if (directory === undefined) return work();
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(directory, `${name}.cpuprofile`), JSON.stringify(profile));
    return result;
  } finally {
    session.disconnect();
  }
}
