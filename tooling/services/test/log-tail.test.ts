import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markStartAttempt, readLogTail } from '../src/log-tail.ts';

describe('readLogTail', () => {
  it('returns the last lines written since the last start attempt', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'log-tail-'));
    try {
      const logFile = join(directory, 'service.log');
      await writeFile(logFile, 'old run\nold failure\n');
      await markStartAttempt(logFile);
      await writeFile(logFile, 'line 1\nline 2\nline 3\n', { flag: 'a' });
      expect(await readLogTail(logFile, 2)).toBe('line 2\nline 3');
      expect(await readLogTail(logFile)).toBe('line 1\nline 2\nline 3');
      await markStartAttempt(logFile);
      expect(await readLogTail(logFile)).toMatch(/^\(nothing in .* since the last start\)$/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('says so when there is no log', async () => {
    expect(await readLogTail('/nonexistent/service.log')).toBe('(no log at /nonexistent/service.log)');
  });
});
