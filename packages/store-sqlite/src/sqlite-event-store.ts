import {
  defaultRegistry,
  errorTypeOf,
  getLogger,
  LoggerNames,
  type AppendResult,
  type DomainEvent,
  type EventRegistry,
  type EventStore,
  type EventStoreCapabilities,
  type EventStream,
  type ExpectedVersion,
  type GetEventsByTypeOptions,
  type GetEventsOptions,
  type ReadAllOptions,
  type StoredEvent,
} from '@eventsource/core';
import {
  assertExpectedVersion,
  assertId,
  assertStreamArguments,
  decodePageEntry,
  decodeStoredEvent,
  readAllPages,
  serializeEvent,
  type ReadAllPageEntry,
  type ReadAllPageRequest,
  type SerializedEvent,
} from '@eventsource/core/kit';
import {
  EventStoreTelemetry,
  SpanKinds,
  SpanNames,
  type MetricsOptions,
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
import { isVersionConflict, versionConflictError } from './errors.ts';
import {
  assertValidPayload,
  EVENT_COLUMNS,
  INSERT_EVENT,
  insertParameters,
  readPageSql,
  type EventRow,
} from './event-rows.ts';
import { INSERT_OUTBOX, outboxParameters } from './outbox-rows.ts';
import { STORE_MIGRATIONS, STORE_SCHEMA_COMPONENT } from './store-schema.ts';

export interface SQLiteEventStoreOptions extends SQLiteConnectionOptions, TelemetryOptions, MetricsOptions {
  /** Where event types are looked up on append and read (default: the default registry). */
  readonly eventRegistry?: EventRegistry;
  /** Write one `event_outbox` row per stored event, in the append's transaction (default false). */
  readonly outbox?: boolean;
}

type Statement<TResult = unknown> = BetterSqlite3.Statement<unknown[], TResult>;

interface AppendInput {
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly events: readonly DomainEvent[];
  readonly expectedVersion: ExpectedVersion;
}

/**
 * An event store in a SQLite database (better-sqlite3). The store creates and migrates its schema
 * when constructed. Appends run in one `BEGIN IMMEDIATE` transaction: SQLite admits one writer at a
 * time, so the version check, the inserts and the outbox rows commit together, and global
 * positions (the rowid) are assigned in commit order: `readAll` never sees a gap filled in later.
 * `onAppend` fires for appends made through this instance; other processes are seen by polling.
 */
export class SQLiteEventStore implements EventStore {
  readonly capabilities: EventStoreCapabilities = { appendNotifications: true };
  readonly #connection: SQLiteConnection;
  readonly #registry: EventRegistry;
  readonly #telemetry: EventStoreTelemetry;
  readonly #outbox: boolean;
  readonly #listeners = new Set<() => void>();
  readonly #eventExists: Statement;
  readonly #streamVersion: Statement<number | null>;
  readonly #head: Statement<number>;
  readonly #insertEvent: Statement;
  readonly #insertOutbox: Statement | undefined;
  readonly #readStream: Statement<SerializedEvent>;
  readonly #readByType: BetterSqlite3.Statement<[Record<string, unknown>], SerializedEvent>;
  readonly #readPages = new Map<string, Statement<EventRow>>();
  readonly #append: BetterSqlite3.Transaction<(input: AppendInput) => AppendResult>;

  constructor(options: SQLiteEventStoreOptions) {
    this.#connection = new SQLiteConnection(options, 'SQLiteEventStore');
    this.#registry = options.eventRegistry ?? defaultRegistry;
    this.#outbox = options.outbox ?? false;
    const db = this.#connection.db;
    try {
      const migrated = applyMigrations(db, STORE_SCHEMA_COMPONENT, STORE_MIGRATIONS);
      if (migrated.from !== migrated.to) {
        getLogger(LoggerNames.storesSqlite).info(
          { from: migrated.from, to: migrated.to, database: this.#connection.namespace },
          'Migrated the event store schema',
        );
      }
      this.#eventExists = db.prepare('SELECT 1 FROM events WHERE event_id = ?').pluck();
      this.#streamVersion = db
        .prepare('SELECT MAX(version) FROM events WHERE aggregate_id = ? AND aggregate_type = ?')
        .pluck() as Statement<number | null>;
      this.#head = db
        .prepare('SELECT COALESCE(MAX(global_position), 0) FROM events')
        .pluck() as Statement<number>;
      this.#insertEvent = db.prepare(INSERT_EVENT);
      this.#insertOutbox = this.#outbox ? db.prepare(INSERT_OUTBOX) : undefined;
      this.#readStream = db.prepare(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE aggregate_id = ? AND aggregate_type = ? AND version > ? ORDER BY version`,
      ) as Statement<SerializedEvent>;
      this.#readByType = db.prepare(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE aggregate_type = @aggregateType
           AND (@tenantId IS NULL OR tenant_id = @tenantId) AND (@fromTimestamp IS NULL OR occurred_at > @fromTimestamp)
         ORDER BY global_position`,
      ) as BetterSqlite3.Statement<[Record<string, unknown>], SerializedEvent>;
      this.#append = db.transaction((input: AppendInput) => this.#appendInTransaction(input));
    } catch (error) {
      this.#connection.close();
      throw translateSqliteError(error, `schema migration of ${this.#connection.namespace}`);
    }
    this.#telemetry = new EventStoreTelemetry(
      {
        scope: '@eventsource/store-sqlite',
        spanNames: SpanNames.sqliteEventStore,
        kind: SpanKinds.client,
        attributes: this.#connection.attributes(),
        collection: 'events',
      },
      options,
    );
  }

  /** The connection, so repositories and the snapshot store can share it (required for `:memory:`). */
  get database(): SQLiteDatabase {
    return this.#connection.db;
  }

  appendEvents(
    aggregateId: string,
    aggregateType: string,
    events: readonly DomainEvent[],
    expectedVersion: ExpectedVersion,
  ): Promise<AppendResult> {
    return this.#telemetry.appendEvents(aggregateId, aggregateType, events, expectedVersion, (stamped) => {
      this.#connection.assertOpen();
      let result: AppendResult;
      try {
        result = this.#append.immediate({ aggregateId, aggregateType, events: stamped, expectedVersion });
      } catch (error) {
        if (isVersionConflict(error)) {
          const actualVersion = this.#streamVersion.get(aggregateId, aggregateType) ?? 0;
          throw versionConflictError(aggregateId, aggregateType, expectedVersion, actualVersion, error);
        }
        throw translateSqliteError(error, 'append');
      }
      if (result.written > 0 && this.#listeners.size > 0) queueMicrotask(() => this.#notify());
      return result;
    });
  }

  getEvents(
    aggregateId: string,
    aggregateType: string,
    options: GetEventsOptions = {},
  ): Promise<EventStream> {
    const fromVersion = options.fromVersion ?? 0;
    return this.#telemetry.getEvents(aggregateId, aggregateType, fromVersion, () => {
      this.#connection.assertOpen();
      const rows = this.#read(
        () => this.#readStream.all(aggregateId, aggregateType, fromVersion),
        'read of a stream',
      );
      const events = rows.map((row) => decodeStoredEvent(row, this.#registry));
      const version =
        rows.length > 0
          ? rows[rows.length - 1]!.aggregateVersion
          : this.#currentVersion(aggregateId, aggregateType);
      return { aggregateId, aggregateType, events, version };
    });
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent> {
    return readAllPages(options, (request) =>
      this.#telemetry.readAllPage(request.fromPosition, request.limit, () => this.#readPage(request)),
    );
  }

  async getEventsByType(aggregateType: string, options: GetEventsByTypeOptions = {}): Promise<DomainEvent[]> {
    assertId('aggregateType', aggregateType);
    this.#connection.assertOpen();
    const parameters = {
      aggregateType,
      tenantId: options.tenantId ?? null,
      fromTimestamp: options.fromTimestamp === undefined ? null : options.fromTimestamp.toISOString(),
    };
    const rows = this.#read(() => this.#readByType.all(parameters), 'read by aggregate type');
    return rows.map((row) => decodeStoredEvent(row, this.#registry));
  }

  async eventExists(eventId: string): Promise<boolean> {
    assertId('eventId', eventId);
    this.#connection.assertOpen();
    return this.#read(() => this.#eventExists.get(eventId), 'event lookup') !== undefined;
  }

  async getStreamVersion(aggregateId: string, aggregateType: string): Promise<number> {
    assertStreamArguments(aggregateId, aggregateType);
    this.#connection.assertOpen();
    return this.#currentVersion(aggregateId, aggregateType);
  }

  async getGlobalPosition(): Promise<number> {
    this.#connection.assertOpen();
    return this.#read(() => this.#head.get()!, 'read of the head position');
  }

  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Closes the database if the store opened it; a borrowed `Database` stays open. Calling it twice is harmless. */
  async close(): Promise<void> {
    this.#listeners.clear();
    this.#connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #appendInTransaction({ aggregateId, aggregateType, events, expectedVersion }: AppendInput): AppendResult {
    const fresh = events.filter((event) => this.#eventExists.get(event.eventId) === undefined);
    const currentVersion = this.#streamVersion.get(aggregateId, aggregateType) ?? 0;
    if (fresh.length === 0)
      return { nextVersion: currentVersion, lastPosition: this.#head.get()!, written: 0 };
    assertExpectedVersion(aggregateId, aggregateType, expectedVersion, currentVersion);
    for (const event of fresh) assertValidPayload(this.#registry.get(event.eventType), event);
    const storedAt = new Date().toISOString();
    const now = Date.now();
    let lastPosition = 0;
    for (let index = 0; index < fresh.length; index += 1) {
      const event = fresh[index]!;
      const version = currentVersion + index + 1;
      let record = serializeEvent(event);
      if (record.aggregateVersion !== version) record = { ...record, aggregateVersion: version };
      lastPosition = Number(this.#insertEvent.run(...insertParameters(record, storedAt)).lastInsertRowid);
      this.#insertOutbox?.run(...outboxParameters(record, now));
    }
    return { nextVersion: currentVersion + fresh.length, lastPosition, written: fresh.length };
  }

  #readPage({ fromPosition, limit, eventTypes, aggregateTypes }: ReadAllPageRequest): ReadAllPageEntry[] {
    this.#connection.assertOpen();
    const parameters: unknown[] = [fromPosition];
    if (eventTypes !== undefined) parameters.push(JSON.stringify(eventTypes));
    if (aggregateTypes !== undefined) parameters.push(JSON.stringify(aggregateTypes));
    parameters.push(limit);
    const statement = this.#pageStatement(eventTypes !== undefined, aggregateTypes !== undefined);
    const rows = this.#read(() => statement.all(...parameters), 'read of all events');
    // Rows of one append share their `stored_at` text: it is parsed once, each entry gets its own Date.
    let storedText = '';
    let storedMilliseconds = Number.NaN;
    return rows.map((row) => {
      if (row.storedAt !== storedText) {
        storedText = row.storedAt;
        storedMilliseconds = Date.parse(storedText);
      }
      return decodePageEntry(row, this.#registry, row.globalPosition, new Date(storedMilliseconds));
    });
  }

  #pageStatement(byEventType: boolean, byAggregateType: boolean): Statement<EventRow> {
    const key = `${byEventType}:${byAggregateType}`;
    let statement = this.#readPages.get(key);
    if (statement === undefined) {
      statement = this.#connection.db.prepare(
        readPageSql(byEventType, byAggregateType),
      ) as Statement<EventRow>;
      this.#readPages.set(key, statement);
    }
    return statement;
  }

  #currentVersion(aggregateId: string, aggregateType: string): number {
    return (
      this.#read(() => this.#streamVersion.get(aggregateId, aggregateType), 'read of a stream version') ?? 0
    );
  }

  #read<T>(query: () => T, operation: string): T {
    try {
      return query();
    } catch (error) {
      throw translateSqliteError(error, operation);
    }
  }

  /** A throwing listener is logged and does not keep the others from running. */
  #notify(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        getLogger(LoggerNames.storesSqlite).warn({ error: errorTypeOf(error) }, 'append listener threw');
      }
    }
  }
}
