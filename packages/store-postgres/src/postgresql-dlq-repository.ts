import { randomUUID } from 'node:crypto';
import {
  defaultRegistry,
  NotFoundError,
  type DLQEntry,
  type DLQFailure,
  type DLQListOptions,
  type DLQRepository,
  type DLQStatus,
  type DomainEvent,
  type EventRegistry,
} from '@eventsource/core';
import {
  describeError,
  failedEventIdentity,
  rawEventOf,
  serializeEvent,
  type SerializedEvent,
} from '@eventsource/core/kit';
import {
  ATTR_EVENT_ID,
  ATTR_EVENT_TYPE,
  ATTR_RETRY_COUNT,
  ATTR_SUBSCRIPTION_NAME,
  SpanNames,
} from '@eventsource/core/observability';
import { query } from '@eventsource/sql-postgres';
import { ENVELOPE_SELECT, eventOf, recordOf, type EnvelopeRow } from './event-rows.ts';
import { PostgreSQLRepository, type PostgreSQLRepositoryOptions } from './postgresql-repository.ts';
import { objectNames } from './store-schema.ts';

export interface PostgreSQLDLQRepositoryOptions extends PostgreSQLRepositoryOptions {
  /** Where event types are looked up on read (default: the default registry). */
  readonly eventRegistry?: EventRegistry;
}

interface DeadLetterRow extends EnvelopeRow {
  readonly id: string;
  readonly consumer_name: string;
  readonly global_position: string | null;
  readonly error_type: string;
  readonly error_message: string;
  readonly error_stack: string | null;
  readonly retry_count: number;
  readonly status: DLQStatus;
  readonly first_failed_at: Date;
  readonly last_failed_at: Date;
  readonly resolved_at: Date | null;
  readonly resolved_by: string | null;
}

const DLQ_ATTRIBUTE_ID = 'eventsource.dlq.id';

/**
 * Dead letters in PostgreSQL. Adding the same (consumer, event) again updates the entry (retry
 * count, last error, status back to `failed`) and keeps its id and first failure time. An entry
 * whose event cannot be decoded (dead-lettered in raw form, or of a type or version this
 * repository's registry cannot read) comes back with `event: null` and its stored form as `raw`.
 * A raw `data` or `metadata` that is not JSON at all is kept as a JSON string of that text.
 */
export class PostgreSQLDLQRepository extends PostgreSQLRepository implements DLQRepository {
  readonly #registry: EventRegistry;
  readonly #table: string;
  readonly #columns: string;

  constructor(options: PostgreSQLDLQRepositoryOptions) {
    super('PostgreSQLDLQRepository', options, 'deadLetters');
    this.#registry = options.eventRegistry ?? defaultRegistry;
    this.#table = objectNames(this.naming).deadLetters;
    this.#columns = `id, consumer_name, ${ENVELOPE_SELECT}, global_position, error_type, error_message, error_stack, retry_count,
      status, first_failed_at, last_failed_at, resolved_at, resolved_by`;
  }

  add(failure: DLQFailure): Promise<DLQEntry> {
    const { eventId, eventType } = failedEventIdentity(failure);
    const attributes = {
      [ATTR_SUBSCRIPTION_NAME]: failure.consumerName,
      [ATTR_EVENT_ID]: eventId,
      [ATTR_EVENT_TYPE]: eventType,
      [ATTR_RETRY_COUNT]: failure.retryCount,
    };
    return this.span(SpanNames.dlq.add, 'INSERT', 'add', attributes, async () => {
      const record = failure.event === undefined ? failure.raw : serializeEvent(failure.event);
      const error = describeError(failure.error);
      const rows = await query<DeadLetterRow>(this.pool, 'dlq_add', {
        text: `INSERT INTO ${this.#table} AS d (id, consumer_name, event_id, event_type, event_version, aggregate_id, aggregate_type,
                 aggregate_version, occurred_at, correlation_id, causation_id, tenant_id, actor_id, metadata, data, global_position,
                 error_type, error_message, error_stack, retry_count, status, first_failed_at, last_failed_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15::jsonb, $16, $17, $18, $19, $20, 'failed',
                 clock_timestamp(), clock_timestamp())
               ON CONFLICT (consumer_name, event_id) DO UPDATE SET
                 event_type = excluded.event_type, event_version = excluded.event_version, aggregate_id = excluded.aggregate_id,
                 aggregate_type = excluded.aggregate_type, aggregate_version = excluded.aggregate_version,
                 occurred_at = excluded.occurred_at, correlation_id = excluded.correlation_id,
                 causation_id = excluded.causation_id, tenant_id = excluded.tenant_id, actor_id = excluded.actor_id,
                 metadata = excluded.metadata, data = excluded.data, global_position = excluded.global_position,
                 error_type = excluded.error_type, error_message = excluded.error_message, error_stack = excluded.error_stack,
                 retry_count = excluded.retry_count, status = 'failed', last_failed_at = excluded.last_failed_at,
                 resolved_at = NULL, resolved_by = NULL
               RETURNING ${this.#columns}`,
        values: [
          randomUUID(),
          failure.consumerName,
          record.eventId,
          record.eventType,
          record.eventVersion,
          record.aggregateId,
          record.aggregateType,
          record.aggregateVersion,
          record.occurredAt,
          record.correlationId,
          record.causationId,
          record.tenantId,
          record.actorId,
          jsonbText(record.metadata),
          jsonbText(record.data),
          failure.globalPosition ?? null,
          error.errorType,
          error.errorMessage,
          error.errorStack,
          failure.retryCount,
        ],
      });
      return this.#entryOf(rows[0]!);
    });
  }

  get(id: string): Promise<DLQEntry | undefined> {
    return this.span(SpanNames.dlq.get, 'SELECT', 'get', { [DLQ_ATTRIBUTE_ID]: id }, async () => {
      const rows = await query<DeadLetterRow>(this.pool, 'dlq_get', {
        text: `SELECT ${this.#columns} FROM ${this.#table} WHERE id = $1`,
        values: [id],
      });
      return rows[0] === undefined ? undefined : this.#entryOf(rows[0]);
    });
  }

  async list(options: DLQListOptions = {}): Promise<DLQEntry[]> {
    this.assertOpen();
    const rows = await query<DeadLetterRow>(this.pool, 'dlq_list', {
      text: `SELECT ${this.#columns} FROM ${this.#table}
              WHERE ($1::text IS NULL OR consumer_name = $1::text) AND ($2::text IS NULL OR status = $2::text)
              ORDER BY last_failed_at DESC, id
              LIMIT $3`,
      values: [options.consumerName ?? null, options.status ?? null, options.limit ?? 100],
    });
    return rows.map((row) => this.#entryOf(row));
  }

  resolve(id: string, resolvedBy: string): Promise<void> {
    return this.span(SpanNames.dlq.resolve, 'UPDATE', 'resolve', { [DLQ_ATTRIBUTE_ID]: id }, async () => {
      const rows = await query(this.pool, 'dlq_resolve', {
        text: `UPDATE ${this.#table} SET status = 'resolved', resolved_at = clock_timestamp(), resolved_by = $2 WHERE id = $1 RETURNING id`,
        values: [id, resolvedBy],
      });
      if (rows.length === 0) throw new NotFoundError(`DLQ entry ${id} not found`);
    });
  }

  retry(id: string): Promise<DLQEntry> {
    return this.span(SpanNames.dlq.retry, 'UPDATE', 'retry', { [DLQ_ATTRIBUTE_ID]: id }, async () => {
      const rows = await query<DeadLetterRow>(this.pool, 'dlq_retry', {
        text: `UPDATE ${this.#table} SET status = 'retrying' WHERE id = $1 RETURNING ${this.#columns}`,
        values: [id],
      });
      if (rows[0] === undefined) throw new NotFoundError(`DLQ entry ${id} not found`);
      return this.#entryOf(rows[0]);
    });
  }

  async count(options: { readonly consumerName?: string } = {}): Promise<number> {
    this.assertOpen();
    const rows = await query<{ count: string }>(this.pool, 'dlq_count', {
      text: `SELECT count(*) AS count FROM ${this.#table} WHERE status <> 'resolved' AND ($1::text IS NULL OR consumer_name = $1)`,
      values: [options.consumerName ?? null],
    });
    return Number(rows[0]!.count);
  }

  #entryOf(row: DeadLetterRow): DLQEntry {
    return {
      id: row.id,
      consumerName: row.consumer_name,
      eventId: row.event_id,
      eventType: row.event_type,
      ...this.#eventOf(row),
      globalPosition: row.global_position === null ? null : Number(row.global_position),
      errorType: row.error_type,
      errorMessage: row.error_message,
      errorStack: row.error_stack,
      retryCount: row.retry_count,
      status: row.status,
      firstFailedAt: row.first_failed_at,
      lastFailedAt: row.last_failed_at,
      resolvedAt: row.resolved_at,
      resolvedBy: row.resolved_by,
    };
  }

  #eventOf(row: DeadLetterRow): { event: DomainEvent | null; raw: SerializedEvent | null } {
    try {
      return { event: eventOf(row, this.#registry), raw: null };
    } catch {
      return { event: null, raw: rawEventOf(recordOf(row)) };
    }
  }
}

/** JSON text as is; text that is not JSON (a raw entry from a text store) as a JSON string of it. */
function jsonbText(text: string): string {
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}
