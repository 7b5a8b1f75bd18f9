import {
  defaultRegistry,
  InvalidArgumentError,
  NotFoundError,
  serializeEvent,
  type ClaimOptions,
  type DomainEvent,
  type EventRegistry,
  type OutboxEntry,
  type OutboxRepository,
} from '@eventsource/core';
import { ATTR_BATCH_SIZE, ATTR_EVENT_COUNT, SpanNames } from '@eventsource/core/observability';
import type BetterSqlite3 from 'better-sqlite3';
import { INSERT_OUTBOX, outboxEntryOf, outboxParameters, type OutboxRow } from './outbox-rows.ts';
import { SQLiteComponent, type SQLiteComponentOptions } from './sqlite-component.ts';

/**
 * The outbox in the `event_outbox` table. `SQLiteEventStore` with `outbox: true` writes the rows in
 * the append's transaction; this repository hands them to a relay. A claim is one `UPDATE ...
 * RETURNING` that pushes `available_at` to the end of the lease, so two relays (in this or another
 * process) never hold the same row at the same time.
 */
export class SQLiteOutboxRepository extends SQLiteComponent implements OutboxRepository {
  readonly #registry: EventRegistry;
  readonly #insert: BetterSqlite3.Statement<unknown[]>;
  readonly #claim: BetterSqlite3.Statement<unknown[], OutboxRow & { readonly position: number }>;
  readonly #markPublished: BetterSqlite3.Statement<unknown[]>;
  readonly #markFailed: BetterSqlite3.Statement<unknown[]>;
  readonly #countPending: BetterSqlite3.Statement<[], number>;

  constructor(options: SQLiteComponentOptions) {
    super(options, 'SQLiteOutboxRepository', 'event_outbox');
    this.#registry = options.eventRegistry ?? defaultRegistry;
    this.#insert = this.prepare(INSERT_OUTBOX);
    this.#claim = this.prepare(
      `UPDATE event_outbox SET available_at = ?
       WHERE position IN (SELECT position FROM event_outbox WHERE status = 'pending' AND available_at <= ? ORDER BY position LIMIT ?)
       RETURNING position, id, event, status, attempts, last_error, created_at, available_at, published_at`,
    );
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
            const rows = this.#claim.all(now + leaseMs, now, limit);
            rows.sort((left, right) => left.position - right.position);
            return rows.map((row) => outboxEntryOf(row, this.#registry));
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
}
