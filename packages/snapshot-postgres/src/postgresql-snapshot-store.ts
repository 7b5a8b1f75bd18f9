import type { Pool, QueryConfig } from 'pg';
import {
  ClosedError,
  InvalidArgumentError,
  LoggerNames,
  toJson,
  type Snapshot,
  type SnapshotStore,
} from '@eventsource/core';
import { reviveJson } from '@eventsource/core/kit';
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
import {
  applyMigrations,
  connectionAttributes,
  preparedStatement,
  qualifiedName,
  query,
  withClient,
} from '@eventsource/sql-postgres';
import {
  resolveSnapshotNaming,
  type ResolvedSnapshotNaming,
  type SnapshotNamingOptions,
} from './identifiers.ts';
import { snapshotMigrations } from './snapshot-schema.ts';

export interface PostgreSQLSnapshotStoreOptions extends SnapshotNamingOptions, TelemetryOptions {
  /** The caller's pool. The store borrows clients from it and never ends it. */
  readonly pool: Pool;
}

interface SnapshotRow {
  readonly aggregate_id: string;
  readonly aggregate_type: string;
  readonly version: number;
  readonly schema_version: number;
  readonly state: unknown;
  readonly created_at: Date;
}

/**
 * Snapshots in PostgreSQL, one row per aggregate. Saving is an upsert that keeps the newer
 * version: an older snapshot arriving late (a slow background save) never replaces a newer one.
 * State is stored as JSONB written by core's `toJson`, so dates and bigints survive.
 */
export class PostgreSQLSnapshotStore implements SnapshotStore {
  readonly naming: ResolvedSnapshotNaming;
  readonly #pool: Pool;
  readonly #tracer: ComponentTracer;
  readonly #attributes: Attributes;
  readonly #table: string;
  readonly #statements;
  #closed = false;

  constructor(options: PostgreSQLSnapshotStoreOptions) {
    if (options?.pool === undefined || typeof options.pool.connect !== 'function') {
      throw new InvalidArgumentError('PostgreSQLSnapshotStore needs a pg Pool as `pool`');
    }
    this.naming = resolveSnapshotNaming(options);
    this.#pool = options.pool;
    this.#table = qualifiedName(this.naming.schema, this.naming.tables.snapshots);
    this.#tracer = ComponentTracer.from('@eventsource/snapshot-postgres', options, true);
    this.#attributes = {
      ...connectionAttributes(this.#pool),
      [SemanticAttributes.dbCollectionName]: this.naming.tables.snapshots,
    };
    const columns = 'aggregate_id, aggregate_type, version, schema_version, state, created_at';
    this.#statements = {
      save: preparedStatement(
        'snapshot_save',
        `INSERT INTO ${this.#table} AS s (aggregate_id, aggregate_type, version, schema_version, state, created_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6)
         ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET
           version = excluded.version, schema_version = excluded.schema_version, state = excluded.state, created_at = excluded.created_at
         WHERE excluded.version >= s.version`,
      ),
      get: preparedStatement(
        'snapshot_get',
        `SELECT ${columns} FROM ${this.#table} WHERE aggregate_type = $2 AND aggregate_id = $1`,
      ),
      delete: preparedStatement(
        'snapshot_delete',
        `DELETE FROM ${this.#table} WHERE aggregate_type = $2 AND aggregate_id = $1`,
      ),
      exists: preparedStatement(
        'snapshot_exists',
        `SELECT EXISTS (SELECT 1 FROM ${this.#table} WHERE aggregate_type = $2 AND aggregate_id = $1) AS found`,
      ),
    };
  }

  /** A store whose migrations have been applied. */
  static async create(options: PostgreSQLSnapshotStoreOptions): Promise<PostgreSQLSnapshotStore> {
    const store = new PostgreSQLSnapshotStore(options);
    await store.migrate();
    return store;
  }

  /** Creates or upgrades the snapshots table; each migration runs once, under an advisory lock. */
  migrate(): Promise<number[]> {
    this.#assertOpen();
    return applyMigrations(this.#pool, {
      schema: this.naming.schema,
      migrationsTable: this.naming.tables.migrations,
      scope: `snapshot:${this.naming.tables.snapshots}`,
      migrations: snapshotMigrations(this.naming),
      loggerName: LoggerNames.snapshotsPostgresql,
    });
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.#span(
      SpanNames.snapshot.save,
      'INSERT',
      'save',
      snapshot.aggregateId,
      snapshot.aggregateType,
      snapshot.version,
      async () => {
        if (!Number.isInteger(snapshot.version) || snapshot.version < 0) {
          throw new InvalidArgumentError(
            `Snapshot version must be a non-negative integer, got ${snapshot.version}`,
          );
        }
        if (!Number.isInteger(snapshot.schemaVersion)) {
          throw new InvalidArgumentError(
            `Snapshot schemaVersion must be an integer, got ${snapshot.schemaVersion}`,
          );
        }
        await query(
          this.#pool,
          'snapshot_save',
          this.#statements.save([
            snapshot.aggregateId,
            snapshot.aggregateType,
            snapshot.version,
            snapshot.schemaVersion,
            toJson(snapshot.state),
            (snapshot.createdAt ?? new Date()).toISOString(),
          ]),
        );
      },
    );
  }

  getSnapshot(aggregateId: string, aggregateType: string): Promise<Snapshot | undefined> {
    return this.#span(
      SpanNames.snapshot.get,
      'SELECT',
      'get',
      aggregateId,
      aggregateType,
      undefined,
      async (span) => {
        const [row] = await query<SnapshotRow>(
          this.#pool,
          'snapshot_get',
          this.#statements.get([aggregateId, aggregateType]),
        );
        if (row === undefined) return undefined;
        span?.setAttribute(ATTR_VERSION, row.version);
        return {
          aggregateId: row.aggregate_id,
          aggregateType: row.aggregate_type,
          version: row.version,
          state: reviveJson(row.state),
          schemaVersion: row.schema_version,
          createdAt: row.created_at,
        };
      },
    );
  }

  deleteSnapshot(aggregateId: string, aggregateType: string): Promise<boolean> {
    return this.#span(
      SpanNames.snapshot.delete,
      'DELETE',
      'delete',
      aggregateId,
      aggregateType,
      undefined,
      async () => {
        const deleted = await this.#rowCount(
          'snapshot_delete',
          this.#statements.delete([aggregateId, aggregateType]),
        );
        return deleted > 0;
      },
    );
  }

  snapshotExists(aggregateId: string, aggregateType: string): Promise<boolean> {
    return this.#span(
      SpanNames.snapshot.exists,
      'SELECT',
      'exists',
      aggregateId,
      aggregateType,
      undefined,
      async () => {
        const [row] = await query<{ found: boolean }>(
          this.#pool,
          'snapshot_exists',
          this.#statements.exists([aggregateId, aggregateType]),
        );
        return row!.found;
      },
    );
  }

  async deleteSnapshotsByType(
    aggregateType: string,
    options: { readonly schemaVersionBelow?: number } = {},
  ): Promise<number> {
    this.#assertOpen();
    return this.#rowCount('snapshot_delete_by_type', {
      text: `DELETE FROM ${this.#table} WHERE aggregate_type = $1 AND ($2::integer IS NULL OR schema_version < $2::integer)`,
      values: [aggregateType, options.schemaVersionBelow ?? null],
    });
  }

  /** Marks the store closed; the pool stays open (it is the caller's). Calling it twice is harmless. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #rowCount(operation: string, config: QueryConfig): Promise<number> {
    return withClient(this.#pool, operation, async (client) => (await client.query(config)).rowCount ?? 0);
  }

  #span<T>(
    name: SpanName,
    sqlVerb: string,
    operation: string,
    aggregateId: string,
    aggregateType: string,
    version: number | undefined,
    work: (span: Span | undefined) => Promise<T>,
  ): Promise<T> {
    const attributes = (): Attributes => ({
      ...this.#attributes,
      [ATTR_DB_OPERATION]: sqlVerb,
      [SemanticAttributes.dbOperationName]: operation,
      [ATTR_AGGREGATE_ID]: aggregateId,
      [ATTR_AGGREGATE_TYPE]: aggregateType,
      [ATTR_VERSION]: version,
    });
    return this.#tracer.run(name, { kind: SpanKinds.client, attributes }, async (span) => {
      this.#assertOpen();
      return work(span);
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('PostgreSQLSnapshotStore');
  }
}
