import { randomUUID } from 'node:crypto';
import {
  defaultRegistry,
  NotFoundError,
  type DLQEntry,
  type DLQFailure,
  type DLQListOptions,
  type DLQRepository,
  type DLQStatus,
  type EventRegistry,
} from '@eventsource/core';
import { describeError, failedEventIdentity } from '@eventsource/core/kit';
import {
  ATTR_EVENT_ID,
  ATTR_EVENT_TYPE,
  ATTR_RETRY_COUNT,
  ATTR_SUBSCRIPTION_NAME,
  SpanNames,
} from '@eventsource/core/observability';
import type BetterSqlite3 from 'better-sqlite3';
import { eventColumnOf, eventFromColumn } from './dlq-event-column.ts';
import { SQLiteRepository, type SQLiteRepositoryOptions } from './sqlite-repository.ts';

interface DLQRow {
  readonly id: string;
  readonly consumer_name: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly event: string;
  readonly global_position: number | null;
  readonly error_type: string;
  readonly error_message: string;
  readonly error_stack: string | null;
  readonly retry_count: number;
  readonly status: DLQStatus;
  readonly first_failed_at: number;
  readonly last_failed_at: number;
  readonly resolved_at: number | null;
  readonly resolved_by: string | null;
}

const DLQ_ID = 'eventsource.dlq.id';

/**
 * Dead letters in the `dead_letter_queue` table. One row per (consumer, event): adding the same
 * failure again updates the row in one statement (retry count, last error, status back to
 * `failed`), so concurrent consumers never create two.
 *
 * An entry whose event cannot be decoded (it was dead-lettered in its raw form, or this
 * repository's registry does not know its type or cannot upcast it) comes back with `event: null`
 * and its stored form as `raw`, from `get`, `list` and `retry` alike.
 */
export class SQLiteDLQRepository extends SQLiteRepository implements DLQRepository {
  readonly #registry: EventRegistry;
  readonly #upsert: BetterSqlite3.Statement<unknown[], { id: string; first_failed_at: number }>;
  readonly #select: BetterSqlite3.Statement<[string], DLQRow>;
  readonly #list: BetterSqlite3.Statement<[Record<string, unknown>], DLQRow>;
  readonly #resolve: BetterSqlite3.Statement<unknown[]>;
  readonly #retry: BetterSqlite3.Statement<[string], DLQRow>;
  readonly #count: BetterSqlite3.Statement<[{ consumer: string | null }], number>;

  constructor(options: SQLiteRepositoryOptions) {
    super(options, 'SQLiteDLQRepository', 'dead_letter_queue');
    this.#registry = options.eventRegistry ?? defaultRegistry;
    this.#upsert = this.prepare(
      `INSERT INTO dead_letter_queue (id, consumer_name, event_id, event_type, event, global_position, error_type, error_message,
         error_stack, retry_count, status, first_failed_at, last_failed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'failed', ?, ?)
       ON CONFLICT (consumer_name, event_id) DO UPDATE SET event_type = excluded.event_type, event = excluded.event,
         global_position = excluded.global_position, error_type = excluded.error_type, error_message = excluded.error_message,
         error_stack = excluded.error_stack, retry_count = excluded.retry_count, status = 'failed',
         last_failed_at = excluded.last_failed_at, resolved_at = NULL, resolved_by = NULL
       RETURNING id, first_failed_at`,
    );
    this.#select = this.prepare('SELECT * FROM dead_letter_queue WHERE id = ?');
    this.#list = this.prepare(
      `SELECT * FROM dead_letter_queue
       WHERE (@consumerName IS NULL OR consumer_name = @consumerName) AND (@status IS NULL OR status = @status)
       ORDER BY last_failed_at DESC, rowid DESC LIMIT @limit`,
    );
    this.#resolve = this.prepare(
      `UPDATE dead_letter_queue SET status = 'resolved', resolved_at = ?, resolved_by = ? WHERE id = ?`,
    );
    this.#retry = this.prepare(`UPDATE dead_letter_queue SET status = 'retrying' WHERE id = ? RETURNING *`);
    this.#count = this.prepare<[{ consumer: string | null }], number>(
      `SELECT COUNT(*) FROM dead_letter_queue WHERE status <> 'resolved' AND (@consumer IS NULL OR consumer_name = @consumer)`,
    ).pluck();
  }

  add(failure: DLQFailure): Promise<DLQEntry> {
    const { eventId, eventType } = failedEventIdentity(failure);
    const attributes = {
      [ATTR_SUBSCRIPTION_NAME]: failure.consumerName,
      [ATTR_EVENT_ID]: eventId,
      [ATTR_EVENT_TYPE]: eventType,
      [ATTR_RETRY_COUNT]: failure.retryCount,
    };
    return this.span(SpanNames.dlq.add, 'UPSERT', attributes, () => {
      const now = Date.now();
      const described = describeError(failure.error);
      const row = this.query(
        () =>
          this.#upsert.get(
            randomUUID(),
            failure.consumerName,
            eventId,
            eventType,
            eventColumnOf(failure),
            failure.globalPosition ?? null,
            described.errorType,
            described.errorMessage,
            described.errorStack,
            failure.retryCount,
            now,
            now,
          )!,
        'dead letter write',
      );
      return {
        id: row.id,
        consumerName: failure.consumerName,
        eventId,
        eventType,
        event: failure.event ?? null,
        raw: failure.raw ?? null,
        globalPosition: failure.globalPosition ?? null,
        ...described,
        retryCount: failure.retryCount,
        status: 'failed',
        firstFailedAt: new Date(row.first_failed_at),
        lastFailedAt: new Date(now),
        resolvedAt: null,
        resolvedBy: null,
      };
    });
  }

  get(id: string): Promise<DLQEntry | undefined> {
    return this.span(SpanNames.dlq.get, 'SELECT', { [DLQ_ID]: id }, () => {
      const row = this.query(() => this.#select.get(id), 'dead letter read');
      return row === undefined ? undefined : this.#entryOf(row);
    });
  }

  async list(options: DLQListOptions = {}): Promise<DLQEntry[]> {
    this.assertOpen();
    const parameters = {
      consumerName: options.consumerName ?? null,
      status: options.status ?? null,
      limit: options.limit ?? 100,
    };
    return this.query(() => this.#list.all(parameters), 'dead letter list').map((row) => this.#entryOf(row));
  }

  resolve(id: string, resolvedBy: string): Promise<void> {
    return this.span(SpanNames.dlq.resolve, 'UPDATE', { [DLQ_ID]: id }, () => {
      const result = this.query(() => this.#resolve.run(Date.now(), resolvedBy, id), 'dead letter resolve');
      if (result.changes === 0) throw new NotFoundError(`DLQ entry ${id} not found`);
    });
  }

  retry(id: string): Promise<DLQEntry> {
    return this.span(SpanNames.dlq.retry, 'UPDATE', { [DLQ_ID]: id }, () => {
      return this.query(
        () =>
          this.transaction(() => {
            const row = this.#retry.get(id);
            if (row === undefined) throw new NotFoundError(`DLQ entry ${id} not found`);
            return this.#entryOf(row);
          }),
        'dead letter retry',
      );
    });
  }

  async count(options: { readonly consumerName?: string } = {}): Promise<number> {
    this.assertOpen();
    return this.query(
      () => this.#count.get({ consumer: options.consumerName ?? null })!,
      'dead letter count',
    );
  }

  #entryOf(row: DLQRow): DLQEntry {
    return {
      id: row.id,
      consumerName: row.consumer_name,
      eventId: row.event_id,
      eventType: row.event_type,
      ...eventFromColumn(row.event, { eventId: row.event_id, eventType: row.event_type }, this.#registry),
      globalPosition: row.global_position,
      errorType: row.error_type,
      errorMessage: row.error_message,
      errorStack: row.error_stack,
      retryCount: row.retry_count,
      status: row.status,
      firstFailedAt: new Date(row.first_failed_at),
      lastFailedAt: new Date(row.last_failed_at),
      resolvedAt: row.resolved_at === null ? null : new Date(row.resolved_at),
      resolvedBy: row.resolved_by,
    };
  }
}
