import type { QueryConfig } from 'pg';
import { preparedStatement } from '@eventsource/sql-postgres';
import { epochMilliseconds, RECORD_SELECT } from './event-rows.ts';
import type { ResolvedNaming } from './identifiers.ts';
import { objectNames } from './store-schema.ts';

/** The horizon below which every transaction has finished: rows under it can no longer appear. */
const VISIBLE = `transaction_id < (SELECT pg_snapshot_xmin(pg_current_snapshot()))`;

export type Statement = (values: readonly unknown[]) => QueryConfig;

export interface StoreStatements {
  readonly append: Statement;
  readonly getEvents: Statement;
  readonly readAll: Statement;
  readonly getEventsByType: Statement;
  readonly eventExists: Statement;
  readonly countStored: Statement;
  readonly streamVersion: Statement;
  readonly globalPosition: Statement;
}

/** The event store's SQL, as named statements (prepared once per pooled connection). */
export function storeStatements(naming: ResolvedNaming): StoreStatements {
  const names = objectNames(naming);
  return {
    append: preparedStatement(
      'append',
      `SELECT outcome, stream_version, last_position, written FROM ${names.appendFunction}(` +
        `$1, $2, $3, $4::text[], $5::text[], $6::integer[], $7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::text[], ` +
        `$12::text[], $13::text[], $14, $15, $16)`,
    ),
    getEvents: preparedStatement(
      'get_events',
      `SELECT ${RECORD_SELECT} FROM ${names.events}
        WHERE aggregate_id = $1 AND aggregate_type = $2 AND aggregate_version > $3
        ORDER BY aggregate_version`,
    ),
    readAll: preparedStatement(
      'read_all',
      `SELECT global_position AS "globalPosition", ${RECORD_SELECT}, ${epochMilliseconds('stored_at')} AS "storedAt" FROM ${names.events}
        WHERE global_position > $1 AND ${VISIBLE}
          AND ($3::text[] IS NULL OR event_type = ANY($3::text[]))
          AND ($4::text[] IS NULL OR aggregate_type = ANY($4::text[]))
        ORDER BY global_position
        LIMIT $2`,
    ),
    getEventsByType: preparedStatement(
      'get_events_by_type',
      `SELECT ${RECORD_SELECT} FROM ${names.events}
        WHERE aggregate_type = $1
          AND ($2::text IS NULL OR tenant_id = $2::text)
          AND ($3::timestamptz IS NULL OR occurred_at > $3::timestamptz)
        ORDER BY global_position`,
    ),
    eventExists: preparedStatement(
      'event_exists',
      `SELECT EXISTS (SELECT 1 FROM ${names.events} WHERE event_id = $1) AS found`,
    ),
    countStored: preparedStatement(
      'count_stored',
      `SELECT count(*)::integer AS stored FROM ${names.events} WHERE event_id = ANY($1::text[])`,
    ),
    streamVersion: preparedStatement(
      'stream_version',
      `SELECT coalesce(max(aggregate_version), 0)::integer AS version FROM ${names.events} WHERE aggregate_id = $1 AND aggregate_type = $2`,
    ),
    globalPosition: preparedStatement(
      'global_position',
      `SELECT coalesce(max(global_position), 0)::bigint AS position FROM ${names.events} WHERE ${VISIBLE}`,
    ),
  };
}
