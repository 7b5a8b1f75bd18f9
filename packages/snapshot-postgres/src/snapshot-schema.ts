import { qualifiedName, quoteIdentifier, type Migration } from '@eventsource/sql-postgres';
import type { ResolvedSnapshotNaming } from './identifiers.ts';

/** The snapshot store's versioned migrations. */
export function snapshotMigrations(naming: ResolvedSnapshotNaming): Migration[] {
  const table = qualifiedName(naming.schema, naming.tables.snapshots);
  const name = (suffix: string) => quoteIdentifier(`${naming.tables.snapshots}_${suffix}`);
  return [
    {
      version: 1,
      name: 'create_snapshots',
      statements: [
        `CREATE TABLE ${table} (
          aggregate_id text NOT NULL,
          aggregate_type text NOT NULL,
          version integer NOT NULL,
          schema_version integer NOT NULL,
          state jsonb NOT NULL,
          created_at timestamptz NOT NULL,
          CONSTRAINT ${name('pkey')} PRIMARY KEY (aggregate_type, aggregate_id)
        )`,
        `CREATE INDEX ${name('type_schema_idx')} ON ${table} (aggregate_type, schema_version)`,
      ],
    },
  ];
}
