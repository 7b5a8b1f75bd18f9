import pg from 'pg';
import type { EventRegistry } from '@eventsource/core';
import { PostgreSQLSnapshotStore } from '@eventsource/snapshot-postgres';
import { PostgreSQLEventStore } from '@eventsource/store-postgres';
import { AGGREGATE_TYPE, DidSomething, payload } from '../domain.ts';

export interface PostgresNames {
  readonly schema: string;
  readonly events: string;
  readonly snapshots: string;
}

export interface MirroredStatements {
  readonly append: string;
  readonly getEvents: string;
  readonly readAll: string;
  readonly snapshotGet: string;
  /** The NOTIFY channel the store passes to its append function. */
  readonly channel: string;
  /**
   * Not the adapter's: the append one would write by hand on the same table, one INSERT of the
   * events as rows (`unnest`), positions from the same sequence, the unique constraint as the only
   * concurrency check. Not gap-safe (positions may become visible out of order), no outbox, no
   * NOTIFY, no idempotent retry: the informational baseline for what the append function costs.
   */
  readonly handWrittenInsert: string;
}

const epochMilliseconds = (column: string): string => `floor(extract(epoch FROM ${column}) * 1000)::float8`;

/**
 * The statements the PostgreSQL adapters send, mirrored by hand from packages/store-postgres
 * (store-statements.ts, event-rows.ts) and packages/snapshot-postgres (postgresql-snapshot-store.ts).
 * {@link compareStatements} checks them against what the adapters actually send in this run.
 */
export function mirroredStatements(names: PostgresNames): MirroredStatements {
  const events = `"${names.schema}"."${names.events}"`;
  const envelope = `event_id AS "eventId", event_type AS "eventType", event_version AS "eventVersion",
  aggregate_id AS "aggregateId", aggregate_type AS "aggregateType", aggregate_version AS "aggregateVersion",
  ${epochMilliseconds('occurred_at')} AS "occurredAt", correlation_id AS "correlationId",
  causation_id AS "causationId", tenant_id AS "tenantId", actor_id AS "actorId",
  metadata::text AS metadata, data::text AS data`;
  const visible = `transaction_id < (SELECT pg_snapshot_xmin(pg_current_snapshot()))`;
  return {
    append:
      `SELECT outcome, stream_version, last_position, written FROM "${names.schema}"."${names.events}_append"(` +
      `$1, $2, $3, $4::text[], $5::text[], $6::integer[], $7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::text[], ` +
      `$12::text[], $13::text[], $14, $15, $16)`,
    getEvents: `SELECT ${envelope} FROM ${events}
        WHERE aggregate_id = $1 AND aggregate_type = $2 AND aggregate_version > $3
        ORDER BY aggregate_version`,
    readAll: `SELECT global_position AS "globalPosition", ${envelope}, ${epochMilliseconds('stored_at')} AS "storedAt" FROM ${events}
        WHERE global_position > $1 AND ${visible}
          AND ($3::text[] IS NULL OR event_type = ANY($3::text[]))
          AND ($4::text[] IS NULL OR aggregate_type = ANY($4::text[]))
        ORDER BY global_position
        LIMIT $2`,
    snapshotGet: `SELECT aggregate_id, aggregate_type, version, schema_version, state, created_at FROM "${names.schema}"."${names.snapshots}" WHERE aggregate_type = $2 AND aggregate_id = $1`,
    channel: `${names.schema}.${names.events}`,
    handWrittenInsert: `INSERT INTO ${events} (global_position, transaction_id, event_id, event_type, event_version, aggregate_id,
        aggregate_type, aggregate_version, occurred_at, correlation_id, metadata, data)
      SELECT nextval('"${names.schema}"."${names.events}_pos_seq"'), pg_current_xact_id(), u.event_id, u.event_type, 1, $1, $2,
        u.ord::integer, u.occurred_at, u.correlation_id, '{}'::jsonb, u.data::jsonb
      FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[]) WITH ORDINALITY
        AS u(event_id, event_type, occurred_at, correlation_id, data, ord)`,
  };
}

const normalize = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * Runs one append, one stream read, one `readAll` page and one snapshot read through the
 * adapters on a probe pool that records every statement text, and reports, as notes for the
 * results, whether each mirrored statement is exactly what the adapter sent.
 */
export async function compareStatements(
  connectionString: string,
  names: PostgresNames,
  registry: EventRegistry,
  mirrored: MirroredStatements,
): Promise<string[]> {
  const sent: string[] = [];
  const probePool = new pg.Pool({ connectionString, max: 1 });
  probePool.on('error', () => undefined);
  probePool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const config = args[0];
      if (typeof config === 'string') sent.push(normalize(config));
      else if (
        typeof config === 'object' &&
        config !== null &&
        typeof (config as { text?: unknown }).text === 'string'
      )
        sent.push(normalize((config as { text: string }).text));
      return query(...args);
    };
  });
  const store = new PostgreSQLEventStore({
    pool: probePool,
    schema: names.schema,
    eventRegistry: registry,
    enableTracing: false,
  });
  const snapshots = new PostgreSQLSnapshotStore({
    pool: probePool,
    schema: names.schema,
    enableTracing: false,
  });
  const notes: string[] = [];
  try {
    const aggregateId = `probe-${Date.now().toString(36)}`;
    await store.appendEvents(
      aggregateId,
      AGGREGATE_TYPE,
      [DidSomething.create(payload(0), { aggregateId })],
      'no_stream',
    );
    await store.getEvents(aggregateId, AGGREGATE_TYPE);
    for await (const stored of store.readAll({ limit: 1 })) void stored;
    await snapshots.getSnapshot(aggregateId, AGGREGATE_TYPE);
    const differing = (Object.entries(mirrored) as [keyof MirroredStatements, string][])
      .filter(([key]) => key !== 'channel' && key !== 'handWrittenInsert')
      .filter(([, text]) => !sent.includes(normalize(text)))
      .map(([key]) => key);
    notes.push(
      differing.length === 0
        ? "The raw side sends the adapters' own statements (append function call, stream read, gap-safe page read, snapshot read), checked in this run against the text the adapters sent, on the schema the adapters migrated, through the same pool."
        : `The raw side's ${differing.join(', ')} statement(s) differ from what the adapter sent in this run: the adapter changed; update bench/src/workloads/postgres-statements.ts.`,
    );
  } catch (error) {
    notes.push(
      `Could not check the raw statements against the adapters: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    await store.close();
    await snapshots.close();
    await probePool.end();
  }
  return notes;
}
