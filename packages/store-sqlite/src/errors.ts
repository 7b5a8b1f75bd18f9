import { ConcurrencyError } from '@eventsource/core';
import { sqliteCodeOf, sqliteMessageOf } from '@eventsource/sql-sqlite';

/** True for a UNIQUE violation on the stream-version constraint: another writer took the version first. */
export function isVersionConflict(error: unknown): boolean {
  return (
    sqliteCodeOf(error) === 'SQLITE_CONSTRAINT_UNIQUE' &&
    sqliteMessageOf(error).includes('events.aggregate_id, events.aggregate_type, events.version')
  );
}

/** A version conflict detected by the database rather than by the version check. */
export function versionConflictError(
  aggregateId: string,
  aggregateType: string,
  expectedVersion: number | string,
  actualVersion: number,
  cause: unknown,
): ConcurrencyError {
  return new ConcurrencyError({ aggregateId, aggregateType, expectedVersion, actualVersion }, { cause });
}
