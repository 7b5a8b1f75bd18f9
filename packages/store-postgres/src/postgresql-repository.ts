import type { Pool } from 'pg';
import { ClosedError, InvalidArgumentError, LoggerNames } from '@eventsource/core';
import {
  ATTR_DB_OPERATION,
  ComponentTracer,
  SemanticAttributes,
  SpanKinds,
  type Attributes,
  type Span,
  type SpanName,
  type TelemetryOptions,
} from '@eventsource/core/observability';
import { applyMigrations, connectionAttributes } from '@eventsource/sql-postgres';
import {
  resolveNaming,
  type ResolvedNaming,
  type TableNames,
  type TableNamingOptions,
} from './identifiers.ts';
import { storeMigrations, storeMigrationScope } from './store-schema.ts';

export interface PostgreSQLRepositoryOptions extends TableNamingOptions, TelemetryOptions {
  /** The caller's pool. The repository borrows clients from it and never ends it. */
  readonly pool: Pool;
}

/**
 * What the checkpoint, DLQ and outbox repositories share (the twin of store-sqlite's
 * `SQLiteRepository`): the borrowed pool, validated names, CLIENT spans with the database
 * attributes, the store's migrations (one table set), and closing.
 */
export abstract class PostgreSQLRepository implements AsyncDisposable {
  protected readonly pool: Pool;
  protected readonly naming: ResolvedNaming;
  readonly #component: string;
  readonly #table: string;
  readonly #tracer: ComponentTracer;
  readonly #attributes: Attributes;
  #closed = false;

  protected constructor(component: string, options: PostgreSQLRepositoryOptions, table: keyof TableNames) {
    if (options?.pool === undefined || typeof options.pool.connect !== 'function') {
      throw new InvalidArgumentError(`${component} needs a pg Pool as \`pool\``);
    }
    this.#component = component;
    this.pool = options.pool;
    this.naming = resolveNaming(options);
    this.#table = this.naming.tables[table];
    this.#tracer = ComponentTracer.from('@eventsource/store-postgres', options, true);
    this.#attributes = connectionAttributes(this.pool);
  }

  /** Runs `work` in a CLIENT span named `spanName` carrying the database attributes. */
  protected span<T>(
    spanName: SpanName,
    sqlVerb: string,
    operation: string,
    attributes: Attributes,
    work: (span: Span | undefined) => Promise<T>,
  ): Promise<T> {
    return this.#tracer.run(
      spanName,
      {
        kind: SpanKinds.client,
        attributes: {
          ...this.#attributes,
          [ATTR_DB_OPERATION]: sqlVerb,
          [SemanticAttributes.dbOperationName]: operation,
          [SemanticAttributes.dbCollectionName]: this.#table,
          ...attributes,
        },
      },
      async (span) => {
        this.assertOpen();
        return work(span);
      },
    );
  }

  /** Creates the store's tables when missing (the same migrations as `PostgreSQLEventStore.migrate`). */
  migrate(): Promise<number[]> {
    this.assertOpen();
    return applyMigrations(this.pool, {
      schema: this.naming.schema,
      migrationsTable: this.naming.tables.migrations,
      scope: storeMigrationScope(this.naming),
      migrations: storeMigrations(this.naming),
      loggerName: LoggerNames.storesPostgresql,
    });
  }

  /** Marks the repository closed; the pool stays open (it is the caller's). */
  async close(): Promise<void> {
    this.#closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  protected assertOpen(): void {
    if (this.#closed) throw new ClosedError(this.#component);
  }
}
