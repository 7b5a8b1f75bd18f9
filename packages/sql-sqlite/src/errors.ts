import { InvalidArgumentError, isEventSourceError, UnavailableError } from '@eventsource/core';

/** The extended result code of a better-sqlite3 `SqliteError` (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, ...). */
export function sqliteCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * Translates a better-sqlite3 error into the library's hierarchy, keeping it as `cause`. Errors of
 * the library pass through; anything that is not a SQLite error is returned unchanged.
 * - `SQLITE_NOTADB` (the file is not a database), constraint violations, and values SQLite refuses
 *   (`SQLITE_TOOBIG` over its length limit, `SQLITE_MISMATCH`, `SQLITE_RANGE`): `InvalidArgumentError`;
 * - everything else (`SQLITE_BUSY` after the busy timeout, `SQLITE_LOCKED`, I/O errors, a full
 *   disk, a read-only or corrupt file): `UnavailableError`.
 */
export function translateSqliteError(error: unknown, operation: string): unknown {
  if (isEventSourceError(error)) return error;
  const code = sqliteCodeOf(error);
  if (code === undefined) return error;
  const message = sqliteMessageOf(error);
  if (code === 'SQLITE_NOTADB')
    return new InvalidArgumentError(`SQLite ${operation} failed: the file is not a SQLite database`, {
      cause: error,
    });
  if (BAD_VALUE_CODES.has(code))
    return new InvalidArgumentError(`SQLite ${operation} refused a value (${code}): ${message}`, {
      cause: error,
    });
  if (code.startsWith('SQLITE_CONSTRAINT'))
    return new InvalidArgumentError(`SQLite ${operation} rejected the write (${code}): ${message}`, {
      cause: error,
    });
  return new UnavailableError(`SQLite ${operation} failed (${code}): ${message}`, { cause: error });
}

const BAD_VALUE_CODES = new Set(['SQLITE_TOOBIG', 'SQLITE_MISMATCH', 'SQLITE_RANGE']);

/**
 * The message of a driver error. better-sqlite3 registers its error class once per process, so
 * under a module sandbox (jest) its errors may come from another realm and fail `instanceof Error`.
 */
export function sqliteMessageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
