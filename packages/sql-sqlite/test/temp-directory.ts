import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory for one test's database files; `remove()` deletes it with the WAL and SHM files. */
export function tempDirectory(): { readonly path: (name?: string) => string; readonly remove: () => void } {
  const directory = mkdtempSync(join(tmpdir(), 'eventsource-sql-sqlite-'));
  return {
    path: (name = 'kit.db') => join(directory, name),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
