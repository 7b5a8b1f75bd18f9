import {
  fromJson,
  getLogger,
  InvalidArgumentError,
  LoggerNames,
  toJson,
  type Snapshot,
  type SnapshotStore,
} from '@eventsource/core';
import {
  ATTR_AGGREGATE_ID,
  ATTR_AGGREGATE_TYPE,
  ATTR_DB_OPERATION,
  ATTR_VERSION,
  ComponentTracer,
  SemanticAttributes,
  SpanKinds,
  SpanNames,
  type Attributes,
  type Span,
  type SpanName,
  type TelemetryOptions,
} from '@eventsource/core/observability';
import type BetterSqlite3 from 'better-sqlite3';
import {
  applyMigrations,
  SQLiteConnection,
  translateSqliteError,
  type SQLiteConnectionOptions,
  type SQLiteDatabase,
} from '@eventsource/sql-sqlite';
import { SNAPSHOT_MIGRATIONS, SNAPSHOT_SCHEMA_COMPONENT } from './snapshot-schema.ts';

export type SQLiteSnapshotStoreOptions = SQLiteConnectionOptions & TelemetryOptions;

interface SnapshotRow {
  readonly aggregate_id: string;
  readonly aggregate_type: string;
  readonly version: number;
  readonly schema_version: number;
  readonly state: string;
  readonly created_at: string;
}

type Statement<TResult = unknown> = BetterSqlite3.Statement<unknown[], TResult>;

/**
 * Snapshots in the `snapshots` table of a SQLite database, one per aggregate. The state is kept as
 * core's tagged JSON, so dates and big integers come back as themselves. Saving is one upsert that
 * keeps the newer version: an older snapshot never replaces a newer one, even between processes.
 * The schema is migrated on construction, versioned apart from the event store's, so both can share
 * one file (pass `eventStore.database` for `:memory:`, where a second connection is another database).
 */
export class SQLiteSnapshotStore implements SnapshotStore {
  readonly #connection: SQLiteConnection;
  readonly #tracer: ComponentTracer;
  readonly #attributes: Attributes;
  readonly #upsert: Statement;
  readonly #select: Statement<SnapshotRow>;
  readonly #delete: Statement;
  readonly #exists: Statement;
  readonly #deleteByType: Statement;
  readonly #deleteByTypeBelow: Statement;

  constructor(options: SQLiteSnapshotStoreOptions) {
    this.#connection = new SQLiteConnection(options, 'SQLiteSnapshotStore');
    const db = this.#connection.db;
    try {
      const migrated = applyMigrations(db, SNAPSHOT_SCHEMA_COMPONENT, SNAPSHOT_MIGRATIONS);
      if (migrated.from !== migrated.to) {
        getLogger(LoggerNames.snapshotsSqlite).info(
          { from: migrated.from, to: migrated.to, database: this.#connection.namespace },
          'Migrated the snapshot schema',
        );
      }
      this.#upsert = db.prepare(
        `INSERT INTO snapshots (aggregate_type, aggregate_id, version, schema_version, state, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET version = excluded.version, schema_version = excluded.schema_version,
           state = excluded.state, created_at = excluded.created_at
         WHERE excluded.version >= snapshots.version`,
      );
      this.#select = db.prepare(
        'SELECT * FROM snapshots WHERE aggregate_type = ? AND aggregate_id = ?',
      ) as Statement<SnapshotRow>;
      this.#delete = db.prepare('DELETE FROM snapshots WHERE aggregate_type = ? AND aggregate_id = ?');
      this.#exists = db
        .prepare('SELECT 1 FROM snapshots WHERE aggregate_type = ? AND aggregate_id = ?')
        .pluck();
      this.#deleteByType = db.prepare('DELETE FROM snapshots WHERE aggregate_type = ?');
      this.#deleteByTypeBelow = db.prepare(
        'DELETE FROM snapshots WHERE aggregate_type = ? AND schema_version < ?',
      );
    } catch (error) {
      this.#connection.close();
      throw translateSqliteError(error, `schema migration of ${this.#connection.namespace}`);
    }
    this.#tracer = ComponentTracer.from('@eventsource/snapshot-sqlite', options, true);
    this.#attributes = this.#connection.attributes('snapshots');
  }

  /** The connection, for sharing with other components. */
  get database(): SQLiteDatabase {
    return this.#connection.db;
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.#span(
      SpanNames.snapshot.save,
      'UPSERT',
      snapshot.aggregateId,
      snapshot.aggregateType,
      snapshot.version,
      () => {
        assertValidSnapshot(snapshot);
        const state = toJson(snapshot.state);
        this.#query(() =>
          this.#upsert.run(
            snapshot.aggregateType,
            snapshot.aggregateId,
            snapshot.version,
            snapshot.schemaVersion,
            state,
            snapshot.createdAt.toISOString(),
          ),
        );
      },
    );
  }

  getSnapshot(aggregateId: string, aggregateType: string): Promise<Snapshot | undefined> {
    return this.#span(SpanNames.snapshot.get, 'SELECT', aggregateId, aggregateType, undefined, (span) => {
      const row = this.#query(() => this.#select.get(aggregateType, aggregateId));
      if (row === undefined) return undefined;
      span?.setAttribute(ATTR_VERSION, row.version);
      return {
        aggregateId: row.aggregate_id,
        aggregateType: row.aggregate_type,
        version: row.version,
        state: fromJson(row.state),
        schemaVersion: row.schema_version,
        createdAt: new Date(row.created_at),
      };
    });
  }

  deleteSnapshot(aggregateId: string, aggregateType: string): Promise<boolean> {
    return this.#span(
      SpanNames.snapshot.delete,
      'DELETE',
      aggregateId,
      aggregateType,
      undefined,
      () => this.#query(() => this.#delete.run(aggregateType, aggregateId)).changes > 0,
    );
  }

  snapshotExists(aggregateId: string, aggregateType: string): Promise<boolean> {
    return this.#span(
      SpanNames.snapshot.exists,
      'SELECT',
      aggregateId,
      aggregateType,
      undefined,
      () => this.#query(() => this.#exists.get(aggregateType, aggregateId)) !== undefined,
    );
  }

  async deleteSnapshotsByType(
    aggregateType: string,
    options: { readonly schemaVersionBelow?: number } = {},
  ): Promise<number> {
    this.#connection.assertOpen();
    const below = options.schemaVersionBelow;
    const result = this.#query(() =>
      below === undefined
        ? this.#deleteByType.run(aggregateType)
        : this.#deleteByTypeBelow.run(aggregateType, below),
    );
    return result.changes;
  }

  /** Closes the database if the store opened it; a borrowed `Database` stays open. Calling it twice is harmless. */
  async close(): Promise<void> {
    this.#connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #span<T>(
    name: SpanName,
    sqlVerb: string,
    aggregateId: string,
    aggregateType: string,
    version: number | undefined,
    fn: (span: Span | undefined) => T,
  ): Promise<T> {
    const attributes = (): Attributes => ({
      ...this.#attributes,
      [ATTR_DB_OPERATION]: sqlVerb,
      [SemanticAttributes.dbOperationName]: name.slice(name.lastIndexOf('.') + 1),
      [ATTR_AGGREGATE_ID]: aggregateId,
      [ATTR_AGGREGATE_TYPE]: aggregateType,
      [ATTR_VERSION]: version,
    });
    return this.#tracer.run(name, { kind: SpanKinds.client, attributes }, async (span) => {
      this.#connection.assertOpen();
      return fn(span);
    });
  }

  #query<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw translateSqliteError(error, 'snapshot operation');
    }
  }
}

function assertValidSnapshot(snapshot: Snapshot): void {
  if (typeof snapshot.aggregateId !== 'string' || snapshot.aggregateId.length === 0)
    throw new InvalidArgumentError('aggregateId must be a non-empty string');
  if (typeof snapshot.aggregateType !== 'string' || snapshot.aggregateType.length === 0)
    throw new InvalidArgumentError('aggregateType must be a non-empty string');
  if (!Number.isInteger(snapshot.version) || snapshot.version < 0)
    throw new InvalidArgumentError(`version must be a non-negative integer, got ${snapshot.version}`);
  if (!Number.isInteger(snapshot.schemaVersion))
    throw new InvalidArgumentError(`schemaVersion must be an integer, got ${snapshot.schemaVersion}`);
  if (!(snapshot.createdAt instanceof Date) || Number.isNaN(snapshot.createdAt.getTime()))
    throw new InvalidArgumentError('createdAt must be a valid Date');
}
