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
 * What the checkpoint, DLQ and outbox repositories share: the borrowed pool, validated names,
 * CLIENT spans with the database attributes, and the store's migrations (one table set).
 */
export class RepositoryContext {
  readonly pool: Pool;
  readonly naming: ResolvedNaming;
  readonly #component: string;
  readonly #table: string;
  readonly #tracer: ComponentTracer;
  readonly #attributes: Attributes;
  #closed = false;

  constructor(component: string, options: PostgreSQLRepositoryOptions, table: keyof TableNames) {
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
  span<T>(
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

  close(): void {
    this.#closed = true;
  }

  assertOpen(): void {
    if (this.#closed) throw new ClosedError(this.#component);
  }
}
