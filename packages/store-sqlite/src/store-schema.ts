/** The component name under which this package records its schema version. */
export const STORE_SCHEMA_COMPONENT = '@eventsource/store-sqlite';

/**
 * The store's migrations, in order; entry `i` takes the schema from version `i` to `i + 1`.
 * Released entries never change: a schema change is a new entry.
 *
 * Timestamps of events are ISO-8601 text (they sort as they compare); the repositories keep epoch
 * milliseconds, which they compare and order by.
 */
export const STORE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE events (
    global_position INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    aggregate_id TEXT NOT NULL,
    aggregate_type TEXT NOT NULL,
    version INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    event_version INTEGER NOT NULL,
    occurred_at TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    causation_id TEXT,
    tenant_id TEXT,
    actor_id TEXT,
    metadata TEXT NOT NULL,
    data TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    CONSTRAINT events_stream_version UNIQUE (aggregate_id, aggregate_type, version)
  );
  CREATE INDEX events_event_type ON events (event_type, global_position);
  CREATE INDEX events_aggregate_type_tenant ON events (aggregate_type, tenant_id, global_position);

  CREATE TABLE event_outbox (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    aggregate_type TEXT NOT NULL,
    event TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'published', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    available_at INTEGER NOT NULL,
    published_at INTEGER
  );
  CREATE INDEX event_outbox_pending ON event_outbox (status, available_at, position);
  CREATE INDEX event_outbox_aggregate_pending ON event_outbox (aggregate_id, aggregate_type, position, available_at)
    WHERE status = 'pending';

  CREATE TABLE checkpoints (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    event_id TEXT,
    event_type TEXT,
    events_processed INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE dead_letter_queue (
    id TEXT PRIMARY KEY,
    consumer_name TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    event TEXT NOT NULL,
    global_position INTEGER,
    error_type TEXT NOT NULL,
    error_message TEXT NOT NULL,
    error_stack TEXT,
    retry_count INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'failed' CHECK (status IN ('failed', 'retrying', 'resolved')),
    first_failed_at INTEGER NOT NULL,
    last_failed_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by TEXT,
    CONSTRAINT dead_letter_queue_consumer_event UNIQUE (consumer_name, event_id)
  );
  CREATE INDEX dead_letter_queue_status ON dead_letter_queue (status, last_failed_at);
  `,
];

/** The schema version this release creates and reads. */
export const STORE_SCHEMA_VERSION: number = STORE_MIGRATIONS.length;
