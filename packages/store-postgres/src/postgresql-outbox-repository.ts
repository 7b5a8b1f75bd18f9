import {
  defaultRegistry,
  getLogger,
  InvalidArgumentError,
  LoggerNames,
  NotFoundError,
  type ClaimOptions,
  type DomainEvent,
  type EventRegistry,
  type OutboxEntry,
  type OutboxRepository,
  type OutboxStatus,
} from '@eventsource/core';
import { ATTR_BATCH_SIZE, ATTR_EVENT_COUNT, SpanNames } from '@eventsource/core/observability';
import { query, statementName, withTransaction } from '@eventsource/sql-postgres';
import { ENVELOPE_SELECT, envelopeColumns, eventOf, type EnvelopeRow } from './event-rows.ts';
import { PostgreSQLRepository, type PostgreSQLRepositoryOptions } from './postgresql-repository.ts';
import { objectNames } from './store-schema.ts';

export interface PostgreSQLOutboxRepositoryOptions extends PostgreSQLRepositoryOptions {
  /** Where event types are looked up on read (default: the default registry). */
  readonly eventRegistry?: EventRegistry;
}

interface OutboxRow extends EnvelopeRow {
  readonly id: string;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly created_at: Date;
  readonly available_at: Date;
  readonly published_at: Date | null;
}

const ID_PATTERN = /^[1-9][0-9]{0,17}$/;

/**
 * The transactional outbox in PostgreSQL. `PostgreSQLEventStore` with `outbox: true` writes these
 * rows in the append's own transaction. `getPending` claims rows and leases them (pushes
 * `available_at` forward) in one short transaction, serialized by an advisory lock, so any number
 * of relays can run at once without two of them getting the same row, and an aggregate's rows are
 * never claimed past an older row of it that is leased or waiting for a retry. A row that cannot be
 * decoded (unknown type, failing upcaster) is marked `failed` in the claim instead of blocking the rest.
 */
export class PostgreSQLOutboxRepository extends PostgreSQLRepository implements OutboxRepository {
  readonly #registry: EventRegistry;
  readonly #table: string;
  readonly #columns: string;
  readonly #claimLock: string;
  readonly #claimText: string;

  constructor(options: PostgreSQLOutboxRepositoryOptions) {
    super('PostgreSQLOutboxRepository', options, 'outbox');
    this.#registry = options.eventRegistry ?? defaultRegistry;
    this.#table = objectNames(this.naming).outbox;
    this.#columns = `id, ${ENVELOPE_SELECT}, status, attempts, last_error, created_at, available_at, published_at`;
    this.#claimLock = `${this.#table}:claim`;
    // Available pending rows in id order, except those behind an older pending row of the same
    // aggregate that is not available (leased by a relay, or waiting for its retry): publishing
    // them first would reorder the aggregate's events. A row failed for good holds nothing back.
    this.#claimText = `WITH clock AS (SELECT clock_timestamp() AS now)
      UPDATE ${this.#table} SET available_at = (SELECT now FROM clock) + make_interval(secs => $2 / 1000.0)
      WHERE id IN (
        SELECT o.id FROM ${this.#table} o
        WHERE o.status = 'pending' AND o.available_at <= (SELECT now FROM clock)
          AND NOT EXISTS (
            SELECT 1 FROM ${this.#table} h
            WHERE h.status = 'pending' AND h.aggregate_type = o.aggregate_type AND h.aggregate_id = o.aggregate_id
              AND h.id < o.id AND h.available_at > (SELECT now FROM clock))
        ORDER BY o.id
        LIMIT $1
        FOR UPDATE SKIP LOCKED)
      RETURNING ${this.#columns}`;
  }

  add(events: readonly DomainEvent[]): Promise<void> {
    return this.span(
      SpanNames.outbox.add,
      'INSERT',
      'add',
      { [ATTR_EVENT_COUNT]: events.length },
      async () => {
        if (events.length === 0) return;
        const columns = envelopeColumns(events);
        await query(this.pool, 'outbox_add', {
          text: `INSERT INTO ${this.#table} (event_id, event_type, event_version, aggregate_id, aggregate_type, aggregate_version,
                 occurred_at, correlation_id, causation_id, tenant_id, actor_id, metadata, data)
               SELECT e.event_id, e.event_type, e.event_version, e.aggregate_id, e.aggregate_type, e.aggregate_version, e.occurred_at,
                 e.correlation_id, e.causation_id, e.tenant_id, e.actor_id, e.metadata::jsonb, e.data::jsonb
               FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::integer[], $7::timestamptz[],
                 $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
                 AS e(event_id, event_type, event_version, aggregate_id, aggregate_type, aggregate_version, occurred_at,
                   correlation_id, causation_id, tenant_id, actor_id, metadata, data)`,
          values: [
            columns.eventIds,
            columns.eventTypes,
            columns.eventVersions,
            events.map((event) => event.aggregateId),
            events.map((event) => event.aggregateType),
            events.map((event) => event.aggregateVersion),
            columns.occurredAt,
            columns.correlationIds,
            columns.causationIds,
            columns.tenantIds,
            columns.actorIds,
            columns.metadata,
            columns.data,
          ],
        });
      },
    );
  }

  getPending(options: ClaimOptions = {}): Promise<OutboxEntry[]> {
    const limit = options.limit ?? 100;
    const leaseMs = options.leaseMs ?? 30_000;
    return this.span(
      SpanNames.outbox.getPending,
      'UPDATE',
      'get_pending',
      { [ATTR_BATCH_SIZE]: limit },
      async (span) => {
        if (!Number.isInteger(limit) || limit < 0)
          throw new InvalidArgumentError(`limit must be a non-negative integer, got ${limit}`);
        if (!Number.isFinite(leaseMs) || leaseMs < 0)
          throw new InvalidArgumentError(`leaseMs must be a non-negative number, got ${leaseMs}`);
        const entries = await withTransaction(this.pool, 'outbox_get_pending', async (client) => {
          // One claim at a time: a concurrent claim's lease is invisible until it commits, so
          // without this a second relay could take an aggregate's later rows while its earlier
          // ones are being leased. The lock goes with the transaction, a few milliseconds later.
          await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [this.#claimLock]);
          const claimed = await client.query<OutboxRow>({
            name: statementName('outbox_claim', this.#claimText),
            text: this.#claimText,
            values: [limit, leaseMs],
          });
          const decoded: OutboxEntry[] = [];
          const undecodable: { id: string; eventType: string; error: string }[] = [];
          for (const row of claimed.rows.sort((a, b) => Number(a.id) - Number(b.id))) {
            try {
              decoded.push(this.#entryOf(row));
            } catch (error) {
              undecodable.push({
                id: row.id,
                eventType: row.event_type,
                error: error instanceof Error ? error.message : String(error),
              });
            }
          }
          if (undecodable.length > 0) {
            await client.query({
              text: `UPDATE ${this.#table} AS o SET status = 'failed', attempts = o.attempts + 1, last_error = f.error
                     FROM unnest($1::bigint[], $2::text[]) AS f(id, error) WHERE o.id = f.id`,
              values: [undecodable.map((entry) => entry.id), undecodable.map((entry) => entry.error)],
            });
            getLogger(LoggerNames.outbox).warn(
              // Ids and types only: an upcaster's message may quote the payload.
              {
                table: this.#table,
                ids: undecodable.map((entry) => entry.id),
                eventTypes: undecodable.map((entry) => entry.eventType),
              },
              'outbox rows that cannot be decoded were marked failed',
            );
          }
          return decoded;
        });
        span?.setAttribute(ATTR_EVENT_COUNT, entries.length);
        return entries;
      },
    );
  }

  markPublished(ids: readonly string[]): Promise<void> {
    return this.span(
      SpanNames.outbox.markPublished,
      'UPDATE',
      'mark_published',
      { [ATTR_EVENT_COUNT]: ids.length },
      async () => {
        const unique = [...new Set(ids)];
        const malformed = unique.find((id) => !ID_PATTERN.test(id));
        if (malformed !== undefined) throw new NotFoundError(`Outbox entry ${malformed} not found`);
        if (unique.length === 0) return;
        // All or nothing: an unknown id marks nothing.
        const rows = await query<{ id: string; updated: boolean }>(this.pool, 'outbox_mark_published', {
          text: `WITH wanted AS (SELECT unnest($1::bigint[]) AS id),
                    found AS (SELECT o.id FROM ${this.#table} o JOIN wanted USING (id)),
                    marked AS (
                      UPDATE ${this.#table} SET status = 'published', published_at = clock_timestamp()
                      WHERE id IN (SELECT id FROM found) AND (SELECT count(*) FROM found) = $2
                      RETURNING id)
               SELECT w.id::text AS id, EXISTS (SELECT 1 FROM found f WHERE f.id = w.id) AS updated FROM wanted w`,
          values: [unique, unique.length],
        });
        const missing = rows.find((row) => !row.updated);
        if (missing !== undefined) throw new NotFoundError(`Outbox entry ${missing.id} not found`);
      },
    );
  }

  async markFailed(id: string, error: string, retryAt: Date | null): Promise<void> {
    this.assertOpen();
    if (!ID_PATTERN.test(id)) throw new NotFoundError(`Outbox entry ${id} not found`);
    const rows = await query(this.pool, 'outbox_mark_failed', {
      text: `UPDATE ${this.#table} SET attempts = attempts + 1, last_error = $2,
               status = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
               available_at = coalesce($3::timestamptz, available_at)
             WHERE id = $1 RETURNING id`,
      values: [id, error, retryAt?.toISOString() ?? null],
    });
    if (rows.length === 0) throw new NotFoundError(`Outbox entry ${id} not found`);
  }

  async countPending(): Promise<number> {
    this.assertOpen();
    const rows = await query<{ count: string }>(this.pool, 'outbox_count_pending', {
      text: `SELECT count(*) AS count FROM ${this.#table} WHERE status = 'pending'`,
    });
    return Number(rows[0]!.count);
  }

  #entryOf(row: OutboxRow): OutboxEntry {
    return {
      id: row.id,
      event: eventOf(row, this.#registry),
      status: row.status,
      attempts: row.attempts,
      lastError: row.last_error,
      createdAt: row.created_at,
      availableAt: row.available_at,
      publishedAt: row.published_at,
    };
  }
}
