import { randomUUID } from 'node:crypto';
import { toJson, type EventRegistry, type OutboxEntry, type OutboxStatus } from '@eventsource/core';
import { decodeEvent, type SerializedEvent } from '@eventsource/core/kit';

/** One pending row per event; shared by the outbox repository and the store's transactional outbox. */
export const INSERT_OUTBOX = `INSERT INTO event_outbox (id, event_id, event_type, aggregate_id, aggregate_type, event, status, attempts, created_at, available_at)
  VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`;

/** The positional parameters of {@link INSERT_OUTBOX}; the event is kept whole, as core's `encodeEvent` writes it. */
export function outboxParameters(record: SerializedEvent, now: number): unknown[] {
  return [
    randomUUID(),
    record.eventId,
    record.eventType,
    record.aggregateId,
    record.aggregateType,
    encodedEventOf(record),
    now,
    now,
  ];
}

/**
 * The `encodeEvent` document of a serialized event: the envelope with `metadata` and `data` nested.
 * Both already hold core's tagged JSON, so they are embedded as they are instead of encoded twice.
 */
function encodedEventOf(record: SerializedEvent): string {
  const { metadata, data, ...envelope } = record;
  return `${toJson(envelope).slice(0, -1)},"metadata":${metadata},"data":${data}}`;
}

export interface OutboxRow {
  readonly id: string;
  readonly event: string;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly created_at: number;
  readonly available_at: number;
  readonly published_at: number | null;
}

export function outboxEntryOf(row: OutboxRow, registry: EventRegistry): OutboxEntry {
  return {
    id: row.id,
    event: decodeEvent(row.event, registry),
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: new Date(row.created_at),
    availableAt: new Date(row.available_at),
    publishedAt: row.published_at === null ? null : new Date(row.published_at),
  };
}
