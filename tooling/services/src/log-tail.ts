import { readFile } from 'node:fs/promises';

/** The last `lineCount` lines of a log file, or a note saying the log is missing or empty. */
export async function readLogTail(logFile: string, lineCount = 25): Promise<string> {
  let content: string;
  try {
    content = await readFile(logFile, 'utf8');
  } catch {
    return `(no log at ${logFile})`;
  }
  const lines = content.trimEnd().split('\n');
  if (lines.length === 1 && lines[0] === '') return `(${logFile} is empty)`;
  return lines.slice(-lineCount).join('\n');
}
