import type { EventRegistry } from '@eventsource/core';
import {
  ATTR_DB_OPERATION,
  ComponentTracer,
  SemanticAttributes,
  SpanKinds,
  type Attributes,
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
import { STORE_MIGRATIONS, STORE_SCHEMA_COMPONENT } from './store-schema.ts';

/** Options of the checkpoint, DLQ and outbox repositories. */
export interface SQLiteRepositoryOptions extends SQLiteConnectionOptions, TelemetryOptions {
  /** Where event types are looked up when stored events are read back (default: the default registry). */
  readonly eventRegistry?: EventRegistry;
}

/**
 * What the SQLite repositories share (the twin of store-postgres's `PostgreSQLRepository`): the
 * connection (opened and owned, or borrowed), the store's schema migrated on construction, CLIENT
 * spans carrying the database's attributes, and driver errors translated at one place.
 */
export abstract class SQLiteRepository {
  readonly #connection: SQLiteConnection;
  readonly #tracer: ComponentTracer;
  readonly #attributes: Attributes;

  protected constructor(options: SQLiteRepositoryOptions, component: string, table: string) {
    this.#connection = new SQLiteConnection(options, component);
    try {
      applyMigrations(this.#connection.db, STORE_SCHEMA_COMPONENT, STORE_MIGRATIONS);
    } catch (error) {
      this.#connection.close();
      throw translateSqliteError(error, `schema migration of ${this.#connection.namespace}`);
    }
    this.#tracer = ComponentTracer.from('@eventsource/store-sqlite', options, true);
    this.#attributes = this.#connection.attributes(table);
  }

  /** The connection, for sharing with other components. */
  get database(): SQLiteDatabase {
    return this.#connection.db;
  }

  /** Closes the database if this component opened it; a borrowed `Database` stays open. Calling it twice is harmless. */
  async close(): Promise<void> {
    this.#connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Prepares a statement once, at construction. */
  protected prepare<TParameters extends unknown[] = unknown[], TResult = unknown>(
    sql: string,
  ): BetterSqlite3.Statement<TParameters, TResult> {
    try {
      return this.#connection.db.prepare(sql) as BetterSqlite3.Statement<TParameters, TResult>;
    } catch (error) {
      this.#connection.close();
      throw translateSqliteError(error, 'statement preparation');
    }
  }

  protected assertOpen(): void {
    this.#connection.assertOpen();
  }

  /** Runs `fn` in a CLIENT span named `name` with the database attributes; `fn` runs only while open. */
  protected span<T>(name: SpanName, sqlVerb: string, attributes: Attributes, fn: () => T): Promise<T> {
    const operation = name.slice(name.lastIndexOf('.') + 1);
    const spanAttributes = {
      ...this.#attributes,
      [ATTR_DB_OPERATION]: sqlVerb,
      [SemanticAttributes.dbOperationName]: operation,
      ...attributes,
    };
    return this.#tracer.run(name, { kind: SpanKinds.client, attributes: spanAttributes }, async () => {
      this.#connection.assertOpen();
      return fn();
    });
  }

  /** Runs one database call, translating driver errors. */
  protected query<T>(fn: () => T, operation: string): T {
    try {
      return fn();
    } catch (error) {
      throw translateSqliteError(error, operation);
    }
  }

  protected transaction<T>(fn: () => T): T {
    return this.#connection.db.transaction(fn).immediate();
  }
}
