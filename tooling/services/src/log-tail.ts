import { appendFile, readFile } from 'node:fs/promises';

const attemptMarker = '==== services: start attempt at ';

/** Appends a line that separates the output of this start attempt from earlier ones. */
export async function markStartAttempt(logFile: string): Promise<void> {
  await appendFile(logFile, `\n${attemptMarker}${new Date().toISOString()} ====\n`);
}

/**
 * The last `lineCount` lines of a log file, counting only what was written since the last start
 * attempt, or a note saying the log is missing or empty.
 */
export async function readLogTail(logFile: string, lineCount = 25): Promise<string> {
  let content: string;
  try {
    content = await readFile(logFile, 'utf8');
  } catch {
    return `(no log at ${logFile})`;
  }
  const attemptStart = content.lastIndexOf(attemptMarker);
  const attempt = attemptStart === -1 ? content : content.slice(content.indexOf('\n', attemptStart) + 1);
  const lines = attempt.trimEnd().split('\n');
  if (lines.length === 1 && lines[0] === '') return `(nothing in ${logFile} since the last start)`;
  return lines.slice(-lineCount).join('\n');
}
