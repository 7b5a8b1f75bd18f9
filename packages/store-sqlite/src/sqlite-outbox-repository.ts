import {
  defaultRegistry,
  errorTypeOf,
  getLogger,
  InvalidArgumentError,
  LoggerNames,
  NotFoundError,
  type ClaimOptions,
  type DomainEvent,
  type EventRegistry,
  type OutboxEntry,
  type OutboxRepository,
} from '@eventsource/core';
import { serializeEvent } from '@eventsource/core/kit';
import {
  ATTR_BATCH_SIZE,
  ATTR_EVENT_COUNT,
  ATTR_EVENT_TYPE,
  SpanNames,
} from '@eventsource/core/observability';
import type BetterSqlite3 from 'better-sqlite3';
import { INSERT_OUTBOX, outboxEntryOf, outboxParameters, type OutboxRow } from './outbox-rows.ts';
import { SQLiteRepository, type SQLiteRepositoryOptions } from './sqlite-repository.ts';

type ClaimedRow = OutboxRow & { readonly position: number; readonly event_type: string };

/**
 * The claim: pending rows whose time has come, oldest first, except a row with an older pending row
 * of its aggregate that is not available (leased by a relay, or waiting for its retry): publishing
 * it would overtake that row. Rows of one aggregate that are all available are claimed together, in
 * order. A row failed for good no longer holds its aggregate back. The `IN` subquery is not
 * correlated, so SQLite selects the whole batch before it updates any row.
 * Parameters: lease end, now, now, limit.
 */
const CLAIM = `UPDATE event_outbox SET available_at = ?
  WHERE position IN (
    SELECT candidate.position FROM event_outbox AS candidate
    WHERE candidate.status = 'pending' AND candidate.available_at <= ?
      AND NOT EXISTS (
        SELECT 1 FROM event_outbox AS earlier
        WHERE earlier.aggregate_id = candidate.aggregate_id AND earlier.aggregate_type = candidate.aggregate_type
          AND earlier.position < candidate.position AND earlier.status = 'pending' AND earlier.available_at > ?)
    ORDER BY candidate.position LIMIT ?)
  RETURNING position, id, event_type, event, status, attempts, last_error, created_at, available_at, published_at`;

/**
 * The outbox in the `event_outbox` table. `SQLiteEventStore` with `outbox: true` writes the rows in
 * the append's transaction; this repository hands them to a relay. A claim is one `UPDATE ...
 * RETURNING` that pushes `available_at` to the end of the lease, so two relays (in this or another
 * process) never hold the same row at the same time, and it keeps each aggregate's events in order
 * (see {@link CLAIM}). A claimed row that cannot be decoded with this repository's registry (unknown
 * type, failing upcaster, corrupt JSON) is marked `failed` with the error in the claim's transaction
 * and not returned, so it neither blocks the other rows nor comes back on every claim.
 */
export class SQLiteOutboxRepository extends SQLiteRepository implements OutboxRepository {
  readonly #registry: EventRegistry;
  readonly #logger = getLogger(LoggerNames.storesSqlite);
  readonly #insert: BetterSqlite3.Statement<unknown[]>;
  readonly #claim: BetterSqlite3.Statement<unknown[], ClaimedRow>;
  readonly #markPublished: BetterSqlite3.Statement<unknown[]>;
  readonly #markFailed: BetterSqlite3.Statement<unknown[]>;
  readonly #countPending: BetterSqlite3.Statement<[], number>;

  constructor(options: SQLiteRepositoryOptions) {
    super(options, 'SQLiteOutboxRepository', 'event_outbox');
    this.#registry = options.eventRegistry ?? defaultRegistry;
    this.#insert = this.prepare(INSERT_OUTBOX);
    this.#claim = this.prepare(CLAIM);
    this.#markPublished = this.prepare(
      `UPDATE event_outbox SET status = 'published', published_at = ? WHERE id = ?`,
    );
    this.#markFailed = this.prepare(
      `UPDATE event_outbox SET attempts = attempts + 1, last_error = ?, status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END,
         available_at = COALESCE(?, available_at) WHERE id = ?`,
    );
    this.#countPending = this.prepare<[], number>(
      `SELECT COUNT(*) FROM event_outbox WHERE status = 'pending'`,
    ).pluck();
  }

  add(events: readonly DomainEvent[]): Promise<void> {
    return this.span(SpanNames.outbox.add, 'INSERT', { [ATTR_EVENT_COUNT]: events.length }, () => {
      const now = Date.now();
      const records = events.map((event) => serializeEvent(event));
      this.query(
        () =>
          this.transaction(() =>
            records.forEach((record) => this.#insert.run(...outboxParameters(record, now))),
          ),
        'outbox write',
      );
    });
  }

  getPending(options: ClaimOptions = {}): Promise<OutboxEntry[]> {
    const limit = options.limit ?? 100;
    const leaseMs = options.leaseMs ?? 30_000;
    return this.span(SpanNames.outbox.getPending, 'UPDATE', { [ATTR_BATCH_SIZE]: limit }, () => {
      if (!Number.isInteger(limit) || limit < 0)
        throw new InvalidArgumentError(`limit must be a non-negative integer, got ${limit}`);
      const now = Date.now();
      return this.query(
        () =>
          this.transaction(() => {
            const rows = this.#claim.all(now + leaseMs, now, now, limit);
            rows.sort((left, right) => left.position - right.position);
            const entries: OutboxEntry[] = [];
            for (const row of rows) {
              const entry = this.#decode(row);
              if (entry !== undefined) entries.push(entry);
            }
            return entries;
          }),
        'outbox claim',
      );
    });
  }

  markPublished(ids: readonly string[]): Promise<void> {
    return this.span(SpanNames.outbox.markPublished, 'UPDATE', { [ATTR_EVENT_COUNT]: ids.length }, () => {
      const now = Date.now();
      this.query(
        () =>
          this.transaction(() => {
            for (const id of ids) {
              if (this.#markPublished.run(now, id).changes === 0)
                throw new NotFoundError(`Outbox entry ${id} not found`);
            }
          }),
        'outbox publish mark',
      );
    });
  }

  async markFailed(id: string, error: string, retryAt: Date | null): Promise<void> {
    this.assertOpen();
    const retryAtMs = retryAt === null ? null : retryAt.getTime();
    const result = this.query(
      () => this.#markFailed.run(error, retryAtMs, retryAtMs, id),
      'outbox failure mark',
    );
    if (result.changes === 0) throw new NotFoundError(`Outbox entry ${id} not found`);
  }

  async countPending(): Promise<number> {
    this.assertOpen();
    return this.query(() => this.#countPending.get()!, 'outbox count');
  }

  /** The row's entry, or undefined after marking an undecodable row failed for good. */
  #decode(row: ClaimedRow): OutboxEntry | undefined {
    try {
      return outboxEntryOf(row, this.#registry);
    } catch (error) {
      const errorType = errorTypeOf(error);
      const message = error instanceof Error ? error.message : String(error);
      this.#markFailed.run(`${errorType}: ${message}`, null, null, row.id);
      this.#logger.warn(
        { outbox_id: row.id, [ATTR_EVENT_TYPE]: row.event_type, error: errorType },
        'outbox row cannot be decoded; marked failed',
      );
      return undefined;
    }
  }
}
