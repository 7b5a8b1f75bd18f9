import { qualifiedName, quoteIdentifier, type Migration } from '@eventsource/sql-postgres';
import type { ResolvedNaming } from './identifiers.ts';

/** Names of the objects the store creates beside its tables. */
export function objectNames(naming: ResolvedNaming) {
  const { schema, tables } = naming;
  return {
    events: qualifiedName(schema, tables.events),
    outbox: qualifiedName(schema, tables.outbox),
    checkpoints: qualifiedName(schema, tables.checkpoints),
    deadLetters: qualifiedName(schema, tables.deadLetters),
    positionSequence: qualifiedName(schema, `${tables.events}_pos_seq`),
    appendFunction: qualifiedName(schema, `${tables.events}_append`),
  };
}

/** The envelope columns shared by the events, outbox and dead-letter tables. */
const EVENT_COLUMNS = `
  event_id text NOT NULL,
  event_type text NOT NULL,
  event_version integer NOT NULL,
  aggregate_id text NOT NULL,
  aggregate_type text NOT NULL,
  aggregate_version integer NOT NULL,
  occurred_at timestamptz NOT NULL,
  correlation_id text NOT NULL,
  causation_id text,
  tenant_id text,
  actor_id text,
  metadata jsonb NOT NULL,
  data jsonb NOT NULL`;

/** The arguments as rows, with their position in the call (`ord`). */
const ARGUMENT_ROWS = `unnest(p_event_ids, p_event_types, p_event_versions, p_occurred_at, p_correlation_ids, p_causation_ids,
        p_tenant_ids, p_actor_ids, p_metadata, p_data) WITH ORDINALITY
        AS a(event_id, event_type, event_version, occurred_at, correlation_id, causation_id, tenant_id, actor_id, metadata, data, ord)`;

const ENVELOPE_COLUMN_LIST = `event_id, event_type, event_version, aggregate_id, aggregate_type, aggregate_version, occurred_at,
        correlation_id, causation_id, tenant_id, actor_id, metadata, data`;

/**
 * The append function: the whole append in one statement and one round trip.
 *
 * Gap safety (see README, "Global order"): every append takes its transaction id and its block of
 * global positions inside one short critical section, serialized by a transaction-scoped advisory
 * lock taken in a sub-transaction that is rolled back at once (rolling it back releases the lock
 * without rolling back the transaction id or the sequence, neither of which is transactional).
 * Transaction ids and positions are therefore handed out in the same order, so the rows below the
 * `pg_snapshot_xmin` horizon always form a prefix of the position order: a reader that returns
 * position p has already seen, or will never see, every position below p. The lock is held for
 * microseconds, never across the INSERT or the commit, so writers still commit in parallel.
 */
function appendFunction(naming: ResolvedNaming): string {
  const names = objectNames(naming);
  const lockKey = `${naming.schema}.${naming.tables.events}:positions`;
  const currentVersion = `(SELECT coalesce(max(e.aggregate_version), 0) FROM ${names.events} e
      WHERE e.aggregate_id = p_aggregate_id AND e.aggregate_type = p_aggregate_type)`;
  // The new events as rows: numbered `k` = 1, 2, ... in call order, after dropping stored ones.
  const rows = (
    skipStored: boolean,
  ) => `SELECT v_first + f.k - 1, v_xid, f.event_id, f.event_type, f.event_version, p_aggregate_id,
          p_aggregate_type, v_current + f.k::integer, f.occurred_at, f.correlation_id, f.causation_id, f.tenant_id, f.actor_id,
          f.metadata::jsonb, f.data::jsonb
        FROM ${
          skipStored
            ? `(SELECT a.*, row_number() OVER (ORDER BY a.ord) AS k FROM ${ARGUMENT_ROWS}
              WHERE NOT EXISTS (SELECT 1 FROM ${names.events} e WHERE e.event_id = a.event_id)) f`
            : `${ARGUMENT_ROWS.replace('AS a(', 'AS f(').replace(', ord)', ', k)')}`
        }
        ORDER BY f.k`;
  return `
CREATE FUNCTION ${names.appendFunction}(
  p_aggregate_id text, p_aggregate_type text, p_expected text,
  p_event_ids text[], p_event_types text[], p_event_versions integer[], p_occurred_at timestamptz[],
  p_correlation_ids text[], p_causation_ids text[], p_tenant_ids text[], p_actor_ids text[],
  p_metadata text[], p_data text[], p_outbox boolean, p_channel text, p_skip_stored boolean)
RETURNS TABLE (outcome text, stream_version integer, last_position bigint, written integer)
LANGUAGE plpgsql AS $append$
DECLARE
  v_current integer;
  v_written integer;
  v_count integer;
  v_xid xid8;
  v_first bigint;
BEGIN
  IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
    RAISE EXCEPTION 'an append must run in a transaction of its own' USING ERRCODE = '25001';
  END IF;
  -- The client first assumes every event is new (the event-id constraint catches a retried append)
  -- and asks again with p_skip_stored when it was wrong, so the usual append probes nothing here.
  IF p_skip_stored THEN
    SELECT count(*) INTO v_count FROM unnest(p_event_ids) AS a(event_id)
      WHERE NOT EXISTS (SELECT 1 FROM ${names.events} e WHERE e.event_id = a.event_id);
  ELSE
    v_count := cardinality(p_event_ids);
  END IF;
  IF v_count = 0 THEN
    RETURN QUERY SELECT 'unchanged'::text, ${currentVersion},
      (SELECT coalesce(max(e.global_position), 0) FROM ${names.events} e
        WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()))::bigint, 0;
    RETURN;
  END IF;
  IF p_expected = 'no_stream' OR p_expected = '0' THEN
    -- No need to look: the unique (aggregate_id, aggregate_type, aggregate_version) constraint
    -- refuses version 1 of a stream that has events.
    v_current := 0;
  ELSE
    v_current := ${currentVersion};
    IF NOT (p_expected = 'any'
        OR (p_expected = 'stream_exists' AND v_current > 0)
        OR (p_expected ~ '^[0-9]{1,9}$' AND p_expected::integer = v_current)) THEN
      RETURN QUERY SELECT 'conflict'::text, v_current, 0::bigint, 0;
      RETURN;
    END IF;
  END IF;
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(${quoteLiteral(lockKey)}, 0));
    v_xid := pg_current_xact_id();
    v_first := nextval(${quoteLiteral(names.positionSequence)});
    IF v_count > 1 THEN
      PERFORM setval(${quoteLiteral(names.positionSequence)}, v_first + v_count - 1);
    END IF;
    RAISE SQLSTATE 'ES000';
  EXCEPTION WHEN SQLSTATE 'ES000' THEN
    NULL;
  END;
  -- When every event is new they are inserted as given; otherwise the stored ones are filtered out.
  -- An event stored concurrently meanwhile trips the event-id constraint, and the client asks again.
  IF v_count = cardinality(p_event_ids) AND p_outbox THEN
    WITH inserted AS (
      INSERT INTO ${names.events} (global_position, transaction_id, ${ENVELOPE_COLUMN_LIST})
        ${rows(false)}
        RETURNING ${ENVELOPE_COLUMN_LIST})
    INSERT INTO ${names.outbox} (${ENVELOPE_COLUMN_LIST})
      SELECT ${ENVELOPE_COLUMN_LIST} FROM inserted ORDER BY aggregate_version;
  ELSIF v_count = cardinality(p_event_ids) THEN
    INSERT INTO ${names.events} (global_position, transaction_id, ${ENVELOPE_COLUMN_LIST})
      ${rows(false)};
  ELSIF p_outbox THEN
    WITH inserted AS (
      INSERT INTO ${names.events} (global_position, transaction_id, ${ENVELOPE_COLUMN_LIST})
        ${rows(true)}
        RETURNING ${ENVELOPE_COLUMN_LIST})
    INSERT INTO ${names.outbox} (${ENVELOPE_COLUMN_LIST})
      SELECT ${ENVELOPE_COLUMN_LIST} FROM inserted ORDER BY aggregate_version;
  ELSE
    INSERT INTO ${names.events} (global_position, transaction_id, ${ENVELOPE_COLUMN_LIST})
      ${rows(true)};
  END IF;
  GET DIAGNOSTICS v_written = ROW_COUNT;
  IF v_written = 0 THEN
    RETURN QUERY SELECT 'unchanged'::text, ${currentVersion},
      (SELECT coalesce(max(e.global_position), 0) FROM ${names.events} e
        WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()))::bigint, 0;
    RETURN;
  END IF;
  IF p_channel IS NOT NULL THEN
    PERFORM pg_notify(p_channel, '');
  END IF;
  RETURN QUERY SELECT 'written'::text, v_current + v_written, v_first + v_written - 1, v_written;
END
$append$`;
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The store's versioned migrations (events, outbox, checkpoints, dead letters). */
export function storeMigrations(naming: ResolvedNaming): Migration[] {
  const names = objectNames(naming);
  const table = (name: string) => naming.tables[name as keyof typeof naming.tables];
  const index = (tableKey: string, suffix: string) => quoteIdentifier(`${table(tableKey)}_${suffix}`);
  return [
    {
      version: 1,
      name: 'create_event_store',
      statements: [
        `CREATE SEQUENCE ${names.positionSequence} AS bigint`,
        `CREATE TABLE ${names.events} (
          global_position bigint NOT NULL,
          transaction_id xid8 NOT NULL,${EVENT_COLUMNS},
          stored_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT ${index('events', 'pkey')} PRIMARY KEY (global_position),
          CONSTRAINT ${index('events', 'event_id_key')} UNIQUE (event_id),
          CONSTRAINT ${index('events', 'stream_key')} UNIQUE (aggregate_id, aggregate_type, aggregate_version)
        )`,
        `CREATE INDEX ${index('events', 'aggregate_type_idx')} ON ${names.events} (aggregate_type, global_position)`,
        `CREATE TABLE ${names.outbox} (
          id bigint GENERATED ALWAYS AS IDENTITY,${EVENT_COLUMNS},
          status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'published', 'failed')),
          attempts integer NOT NULL DEFAULT 0,
          last_error text,
          created_at timestamptz NOT NULL DEFAULT now(),
          available_at timestamptz NOT NULL DEFAULT now(),
          published_at timestamptz,
          CONSTRAINT ${index('outbox', 'pkey')} PRIMARY KEY (id)
        )`,
        `CREATE INDEX ${index('outbox', 'pending_idx')} ON ${names.outbox} (id) WHERE status = 'pending'`,
        `CREATE TABLE ${names.checkpoints} (
          name text NOT NULL,
          position bigint NOT NULL,
          event_id text,
          event_type text,
          events_processed bigint NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT ${index('checkpoints', 'pkey')} PRIMARY KEY (name)
        )`,
        `CREATE TABLE ${names.deadLetters} (
          id text NOT NULL,
          consumer_name text NOT NULL,${EVENT_COLUMNS},
          global_position bigint,
          error_type text NOT NULL,
          error_message text NOT NULL,
          error_stack text,
          retry_count integer NOT NULL,
          status text NOT NULL CHECK (status IN ('failed', 'retrying', 'resolved')),
          first_failed_at timestamptz NOT NULL,
          last_failed_at timestamptz NOT NULL,
          resolved_at timestamptz,
          resolved_by text,
          CONSTRAINT ${index('deadLetters', 'pkey')} PRIMARY KEY (id),
          CONSTRAINT ${index('deadLetters', 'event_key')} UNIQUE (consumer_name, event_id)
        )`,
        `CREATE INDEX ${index('deadLetters', 'failed_idx')} ON ${names.deadLetters} (last_failed_at DESC)`,
        appendFunction(naming),
      ],
    },
    {
      version: 2,
      name: 'index_outbox_pending_by_aggregate',
      statements: [
        // The claim skips rows behind an older, unavailable pending row of the same aggregate; this
        // index answers that per candidate row instead of scanning every pending row.
        `CREATE INDEX ${index('outbox', 'pending_aggregate_idx')} ON ${names.outbox} (aggregate_type, aggregate_id, id)
          INCLUDE (available_at) WHERE status = 'pending'`,
      ],
    },
  ];
}

/** Migration scope of the store's table set in the migrations table. */
export function storeMigrationScope(naming: ResolvedNaming): string {
  return `store:${naming.tables.events}`;
}
