import { basename } from 'node:path';
import Database from 'better-sqlite3';
import { ClosedError, InvalidArgumentError, UnavailableError } from '@eventsource/core';
import {
  ATTR_DB_NAME,
  ATTR_DB_SYSTEM,
  SemanticAttributes,
  type Attributes,
} from '@eventsource/core/observability';
import { sqliteMessageOf, translateSqliteError } from './errors.ts';

/** A better-sqlite3 connection. */
export type SQLiteDatabase = Database.Database;

/** How every SQLite component reaches its database. */
export interface SQLiteConnectionOptions {
  /**
   * A file path or `':memory:'` (the component opens the database and closes it in `close()`), or
   * an open better-sqlite3 `Database`, which is borrowed and never closed. Components that must
   * see the same `:memory:` database share one `Database` instance: a second `:memory:` connection
   * is a different, empty database.
   */
  readonly database: string | SQLiteDatabase;
  /** How long a writer waits for another connection's write lock before `UnavailableError` (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

/**
 * One component's hold on a database: the connection, whether the component owns it, and the
 * span attributes that name it. Opening sets `busy_timeout`, `foreign_keys = ON` and, for file
 * databases, `journal_mode = WAL` (readers never block the writer; with better-sqlite3's build,
 * WAL runs with `synchronous = NORMAL`: durable across application crashes, not power loss).
 */
export class SQLiteConnection {
  readonly db: SQLiteDatabase;
  readonly owned: boolean;
  /** `db.namespace`: the database file's base name, or `:memory:`. Never a full path. */
  readonly namespace: string;
  readonly #component: string;
  #closed = false;

  /**
   * Opens (or borrows) the database and applies the pragmas. `component` names the holder in the
   * `ClosedError` thrown by `assertOpen()` after `close()`. Bad options: `InvalidArgumentError`; a
   * file that cannot be opened: `UnavailableError` (or `InvalidArgumentError` when it is not a
   * SQLite database). A connection this constructor opened is closed again when it throws.
   */
  constructor(options: SQLiteConnectionOptions, component: string) {
    this.#component = component;
    const { database } = options;
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new InvalidArgumentError(`busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}`);
    }
    if (typeof database === 'string') {
      if (database.length === 0)
        throw new InvalidArgumentError(
          'database must be a file path, ":memory:" or a better-sqlite3 Database',
        );
      try {
        this.db = new Database(database);
      } catch (error) {
        const translated = translateSqliteError(error, `open of ${basename(database)}`);
        if (translated !== error) throw translated;
        const message = sqliteMessageOf(error);
        throw new UnavailableError(`Cannot open the SQLite database ${basename(database)}: ${message}`, {
          cause: error,
        });
      }
      this.owned = true;
    } else if (isDatabase(database)) {
      if (!database.open)
        throw new InvalidArgumentError('The better-sqlite3 Database handed to the store is closed');
      this.db = database;
      this.owned = false;
    } else {
      throw new InvalidArgumentError('database must be a file path, ":memory:" or a better-sqlite3 Database');
    }
    this.namespace = this.db.memory || this.db.name === '' ? ':memory:' : basename(this.db.name);
    try {
      this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      this.db.pragma('foreign_keys = ON');
      if (!this.db.memory && !this.db.readonly) this.db.pragma('journal_mode = WAL');
    } catch (error) {
      this.close();
      throw translateSqliteError(error, `open of ${this.namespace}`);
    }
  }

  /** Span attributes naming the database and table (old and current semantic-convention keys). */
  attributes(collection?: string): Attributes {
    return {
      [ATTR_DB_SYSTEM]: 'sqlite',
      [SemanticAttributes.dbSystemName]: 'sqlite',
      [SemanticAttributes.dbNamespace]: this.namespace,
      [ATTR_DB_NAME]: this.namespace,
      [SemanticAttributes.dbCollectionName]: collection,
    };
  }

  /** True once `close()` was called, whether or not the database itself was closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Throws `ClosedError` naming the component after `close()`. */
  assertOpen(): void {
    if (this.#closed) throw new ClosedError(this.#component);
  }

  /** Closes the database when this component opened it. Calling it twice is harmless. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.owned && this.db.open) this.db.close();
  }
}

function isDatabase(value: unknown): value is SQLiteDatabase {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SQLiteDatabase).prepare === 'function' &&
    typeof (value as SQLiteDatabase).transaction === 'function' &&
    typeof (value as SQLiteDatabase).pragma === 'function'
  );
}
