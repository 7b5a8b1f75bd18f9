import type { Pool } from 'pg';
import {
  ClosedError,
  ConcurrencyError,
  defaultRegistry,
  EventSourceError,
  InvalidArgumentError,
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
  validateEvent,
  type ReadAllPageEntry,
  type ReadAllPageRequest,
} from '@eventsource/core/kit';
import {
  EventStoreTelemetry,
  SpanKinds,
  SpanNames,
  type MetricsOptions,
  type TelemetryOptions,
} from '@eventsource/core/observability';
import {
  applyMigrations,
  connectionAttributes,
  query,
  violatedConstraint,
  withClient,
} from '@eventsource/sql-postgres';
import { AppendNotifier, notificationChannel } from './append-notifier.ts';
import type { RecordRow } from './event-rows.ts';
import { appendArguments } from './store-arguments.ts';
import { resolveNaming, type ResolvedNaming, type TableNamingOptions } from './identifiers.ts';
import { storeMigrations, storeMigrationScope } from './store-schema.ts';
import { storeStatements, type StoreStatements } from './store-statements.ts';

export interface PostgreSQLEventStoreOptions extends TableNamingOptions, TelemetryOptions, MetricsOptions {
  /** The caller's pool. The store borrows clients from it and never ends it. */
  readonly pool: Pool;
  /** Where event types are looked up on read (default: the default registry). */
  readonly eventRegistry?: EventRegistry;
  /** Write an outbox row per event in the append's transaction (default false). */
  readonly outbox?: boolean;
  /** NOTIFY on every append and LISTEN for `onAppend`, so other processes wake too (default true). */
  readonly notifications?: boolean;
}

/** Attempts of one append before a lost race or an event-id race is reported. */
const MAX_APPEND_ATTEMPTS = 10;

/** A short random pause between attempts, so appends that lost the same race do not collide again in step. */
function raceBackoff(attempt: number): Promise<void> {
  const delayMs = Math.random() * Math.min(2 ** attempt, 20);
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}

interface AppendRow {
  readonly outcome: 'written' | 'unchanged' | 'conflict';
  readonly stream_version: number;
  readonly last_position: string;
  readonly written: number;
}

interface PositionedRow extends RecordRow {
  readonly globalPosition: string;
  readonly storedAt: number;
}

/**
 * The production event store, on PostgreSQL through `pg`.
 *
 * An append is one round trip: one call of the store's append function, which checks the expected
 * version, inserts every event in one INSERT, writes the outbox rows and NOTIFYs, all in the
 * statement's own transaction (a retried append is detected by the event-id constraint and asked
 * again with stored events skipped; an `'any'`/`'stream_exists'` append that loses the race for the
 * next version runs again on top of the winner). `readAll` is gap-safe: it only returns
 * rows below the oldest running transaction, and positions are issued in transaction-id order, so a
 * checkpointed position never skips an event that commits later (README, "Global order").
 */
export class PostgreSQLEventStore implements EventStore {
  readonly capabilities: EventStoreCapabilities;
  readonly naming: ResolvedNaming;
  readonly #pool: Pool;
  readonly #registry: EventRegistry;
  readonly #telemetry: EventStoreTelemetry;
  readonly #statements: StoreStatements;
  readonly #notifier: AppendNotifier;
  readonly #outbox: boolean;
  readonly #channel: string | null;
  #closed = false;

  constructor(options: PostgreSQLEventStoreOptions) {
    if (options?.pool === undefined || typeof options.pool.connect !== 'function') {
      throw new InvalidArgumentError('PostgreSQLEventStore needs a pg Pool as `pool`');
    }
    this.naming = resolveNaming(options);
    this.#pool = options.pool;
    this.#registry = options.eventRegistry ?? defaultRegistry;
    this.#outbox = options.outbox ?? false;
    const notifications = options.notifications ?? true;
    this.#channel = notifications ? notificationChannel(this.naming.schema, this.naming.tables.events) : null;
    this.capabilities = { appendNotifications: notifications };
    this.#statements = storeStatements(this.naming);
    this.#notifier = new AppendNotifier(this.#pool, this.#channel ?? undefined);
    this.#telemetry = new EventStoreTelemetry(
      {
        scope: '@eventsource/store-postgres',
        spanNames: SpanNames.postgresqlEventStore,
        kind: SpanKinds.client,
        attributes: connectionAttributes(this.#pool),
        collection: this.naming.tables.events,
      },
      options,
    );
  }

  /** A store whose migrations have been applied. */
  static async create(options: PostgreSQLEventStoreOptions): Promise<PostgreSQLEventStore> {
    const store = new PostgreSQLEventStore(options);
    await store.migrate();
    return store;
  }

  /**
   * Creates or upgrades the store's tables (events, outbox, checkpoints, dead letters) and its
   * append function. Each migration runs once, under an advisory lock, so processes starting
   * together are safe. Returns the versions applied by this call.
   */
  migrate(): Promise<number[]> {
    this.#assertOpen();
    return applyMigrations(this.#pool, {
      schema: this.naming.schema,
      migrationsTable: this.naming.tables.migrations,
      scope: storeMigrationScope(this.naming),
      migrations: storeMigrations(this.naming),
      loggerName: LoggerNames.storesPostgresql,
    });
  }

  appendEvents(
    aggregateId: string,
    aggregateType: string,
    events: readonly DomainEvent[],
    expectedVersion: ExpectedVersion,
  ): Promise<AppendResult> {
    return this.#telemetry.appendEvents(
      aggregateId,
      aggregateType,
      events,
      expectedVersion,
      async (stamped) => {
        this.#assertOpen();
        for (const event of stamped) validateEvent(event, this.#registry);
        // First assume every event is new: the event-id constraint catches a retried append. Any
        // conflict is then checked again with stored events skipped, and that answer stands.
        let skipStored = false;
        for (let attempt = 1; ; attempt += 1) {
          const values = appendArguments(
            aggregateId,
            aggregateType,
            expectedVersion,
            stamped,
            this.#outbox,
            this.#channel,
            skipStored,
          );
          try {
            const [row] = await query<AppendRow>(
              this.#pool,
              'append_events',
              this.#statements.append(values),
            );
            if (row!.outcome === 'conflict' && !skipStored) {
              skipStored = true;
              continue;
            }
            return this.#appendResult(aggregateId, aggregateType, expectedVersion, row!);
          } catch (translated) {
            const constraint = violatedConstraint(translated);
            // The driver's unique violation, which the kit wrapped as InvalidArgumentError.
            const error =
              translated instanceof EventSourceError ? (translated.cause ?? translated) : translated;
            const onEventId = constraint === `${this.naming.tables.events}_event_id_key`;
            const onVersion = constraint === `${this.naming.tables.events}_stream_key`;
            if (!onEventId && !onVersion) throw translated;
            // 'any' and 'stream_exists' check no version, so losing the race for the next version
            // to another append is no conflict: the append runs again on top of the winner.
            const lostRace = onVersion && (expectedVersion === 'any' || expectedVersion === 'stream_exists');
            // Another append stored some of these events concurrently: look again, skipping them.
            if (attempt < MAX_APPEND_ATTEMPTS && (!skipStored || onEventId || lostRace)) {
              skipStored = true;
              if (lostRace && attempt > 1) await raceBackoff(attempt);
              continue;
            }
            if (onVersion) {
              const actualVersion = await this.getStreamVersion(aggregateId, aggregateType);
              throw new ConcurrencyError(
                { aggregateId, aggregateType, expectedVersion, actualVersion },
                { cause: error },
              );
            }
            return this.#afterEventIdRaces(aggregateId, aggregateType, expectedVersion, stamped, error);
          }
        }
      },
    );
  }

  getEvents(
    aggregateId: string,
    aggregateType: string,
    options: GetEventsOptions = {},
  ): Promise<EventStream> {
    const fromVersion = options.fromVersion ?? 0;
    return this.#telemetry.getEvents(aggregateId, aggregateType, fromVersion, async () => {
      this.#assertOpen();
      if (!Number.isInteger(fromVersion) || fromVersion < 0)
        throw new InvalidArgumentError(`fromVersion must be a non-negative integer, got ${fromVersion}`);
      const rows = await query<RecordRow>(
        this.#pool,
        'get_events',
        this.#statements.getEvents([aggregateId, aggregateType, fromVersion]),
      );
      const events = rows.map((row) => decodeStoredEvent(row, this.#registry));
      const version =
        rows.length > 0
          ? rows.at(-1)!.aggregateVersion
          : fromVersion === 0
            ? 0
            : await this.getStreamVersion(aggregateId, aggregateType);
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
    this.#assertOpen();
    const rows = await query<RecordRow>(
      this.#pool,
      'get_events_by_type',
      this.#statements.getEventsByType([
        aggregateType,
        options.tenantId ?? null,
        options.fromTimestamp?.toISOString() ?? null,
      ]),
    );
    return rows.map((row) => decodeStoredEvent(row, this.#registry));
  }

  async eventExists(eventId: string): Promise<boolean> {
    assertId('eventId', eventId);
    this.#assertOpen();
    const [row] = await query<{ found: boolean }>(
      this.#pool,
      'event_exists',
      this.#statements.eventExists([eventId]),
    );
    return row!.found;
  }

  async getStreamVersion(aggregateId: string, aggregateType: string): Promise<number> {
    assertStreamArguments(aggregateId, aggregateType);
    this.#assertOpen();
    const [row] = await query<{ version: number }>(
      this.#pool,
      'get_stream_version',
      this.#statements.streamVersion([aggregateId, aggregateType]),
    );
    return row!.version;
  }

  async getGlobalPosition(): Promise<number> {
    this.#assertOpen();
    const [row] = await query<{ position: string }>(
      this.#pool,
      'get_global_position',
      this.#statements.globalPosition([]),
    );
    return Number(row!.position);
  }

  onAppend(listener: () => void): () => void {
    if (this.#closed) return () => false;
    return this.#notifier.subscribe(listener);
  }

  /** Resolves once the LISTEN for `onAppend` is in place (useful before relying on cross-process wake-ups). */
  listening(): Promise<void> {
    return this.#notifier.ready;
  }

  /** Stops listening and hands the listening client back to the pool. The pool stays open: it is the caller's. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#notifier.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Every attempt hit the event-id constraint: other appends kept storing some of these events. If
   * all of them are stored now, this append's work is done (`written: 0`, as for a retried append);
   * otherwise the stream moved under it.
   */
  async #afterEventIdRaces(
    aggregateId: string,
    aggregateType: string,
    expectedVersion: ExpectedVersion,
    events: readonly DomainEvent[],
    error: unknown,
  ): Promise<AppendResult> {
    const [row] = await query<{ stored: number }>(
      this.#pool,
      'count_stored_events',
      this.#statements.countStored([events.map((event) => event.eventId)]),
    );
    const actualVersion = await this.getStreamVersion(aggregateId, aggregateType);
    if (row!.stored === events.length) {
      return { nextVersion: actualVersion, lastPosition: await this.getGlobalPosition(), written: 0 };
    }
    throw new ConcurrencyError(
      { aggregateId, aggregateType, expectedVersion, actualVersion },
      { cause: error },
    );
  }

  #appendResult(
    aggregateId: string,
    aggregateType: string,
    expectedVersion: ExpectedVersion,
    row: AppendRow,
  ): AppendResult {
    if (row.outcome === 'conflict') {
      assertExpectedVersion(aggregateId, aggregateType, expectedVersion, row.stream_version);
      throw new ConcurrencyError({
        aggregateId,
        aggregateType,
        expectedVersion,
        actualVersion: row.stream_version,
      });
    }
    if (row.outcome === 'written') this.#notifier.notifyLocal();
    return { nextVersion: row.stream_version, lastPosition: Number(row.last_position), written: row.written };
  }

  async #readPage({
    fromPosition,
    limit,
    eventTypes,
    aggregateTypes,
  }: ReadAllPageRequest): Promise<ReadAllPageEntry[]> {
    this.#assertOpen();
    const rows = await withClient(this.#pool, 'read_all', async (client) => {
      const result = await client.query<PositionedRow>(
        this.#statements.readAll([fromPosition, limit, eventTypes ?? null, aggregateTypes ?? null]),
      );
      return result.rows;
    });
    return rows.map((row) =>
      decodePageEntry(row, this.#registry, Number(row.globalPosition), new Date(row.storedAt)),
    );
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('PostgreSQLEventStore');
  }
}
