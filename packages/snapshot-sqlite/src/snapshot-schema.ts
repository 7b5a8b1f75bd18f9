/** The component name under which this package records its schema version (independent of the event store's). */
export const SNAPSHOT_SCHEMA_COMPONENT = '@eventsource/snapshot-sqlite';

/**
 * The snapshot store's migrations, in order; entry `i` takes the schema from version `i` to
 * `i + 1`. Released entries never change: a schema change is a new entry.
 */
export const SNAPSHOT_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE snapshots (
    aggregate_type TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    schema_version INTEGER NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id)
  );
  `,
];

/** The schema version this release creates and reads. */
export const SNAPSHOT_SCHEMA_VERSION: number = SNAPSHOT_MIGRATIONS.length;
