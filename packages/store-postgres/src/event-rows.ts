import { type DomainEvent, type EventRegistry } from '@eventsource/core';
import { decodeStoredEvent, serializeEvent, type StoredEventRecord } from '@eventsource/core/kit';

/**
 * Envelope columns as selected. JSONB is selected as text and parsed by core's `fromJson`: one
 * `JSON.parse`, and a second look only when the text holds a tag (`"$`), where `pg`'s own parsing
 * would need a walk over every value to find tags; text also keeps a JSON string payload apart from
 * JSON text. Timestamps come as epoch milliseconds: cheaper to turn into a `Date` than timestamp text.
 */
export const ENVELOPE_SELECT = `event_id, event_type, event_version, aggregate_id, aggregate_type, aggregate_version,
  ${epochMilliseconds('occurred_at')} AS occurred_at, correlation_id, causation_id, tenant_id, actor_id,
  metadata::text AS metadata, data::text AS data`;

/**
 * The same envelope under the names of core's `StoredEventRecord` (`occurredAt` in epoch
 * milliseconds), so each row `pg` returns is already the record `decodeStoredEvent` takes: the
 * event store's reads decode rows without a copy per event.
 */
export const RECORD_SELECT = `event_id AS "eventId", event_type AS "eventType", event_version AS "eventVersion",
  aggregate_id AS "aggregateId", aggregate_type AS "aggregateType", aggregate_version AS "aggregateVersion",
  ${epochMilliseconds('occurred_at')} AS "occurredAt", correlation_id AS "correlationId",
  causation_id AS "causationId", tenant_id AS "tenantId", actor_id AS "actorId",
  metadata::text AS metadata, data::text AS data`;

/** One row as `pg` returns it for {@link RECORD_SELECT}. */
export interface RecordRow extends StoredEventRecord {
  readonly occurredAt: number;
  readonly aggregateVersion: number;
  /** JSON text. */
  readonly metadata: string;
  /** JSON text. */
  readonly data: string;
}

/** A timestamptz column as whole epoch milliseconds (a float8, which `pg` returns as a number). */
export function epochMilliseconds(column: string): string {
  return `floor(extract(epoch FROM ${column}) * 1000)::float8`;
}

/** One row as `pg` returns it for {@link ENVELOPE_SELECT}. */
export interface EnvelopeRow {
  readonly event_id: string;
  readonly event_type: string;
  readonly event_version: number;
  readonly aggregate_id: string;
  readonly aggregate_type: string;
  readonly aggregate_version: number;
  readonly occurred_at: number;
  readonly correlation_id: string;
  readonly causation_id: string | null;
  readonly tenant_id: string | null;
  readonly actor_id: string | null;
  /** JSON text. */
  readonly metadata: string;
  /** JSON text. */
  readonly data: string;
}

export function recordOf(row: EnvelopeRow): StoredEventRecord {
  return {
    eventId: row.event_id,
    eventType: row.event_type,
    eventVersion: row.event_version,
    aggregateId: row.aggregate_id,
    aggregateType: row.aggregate_type,
    aggregateVersion: row.aggregate_version,
    occurredAt: new Date(row.occurred_at),
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    tenantId: row.tenant_id,
    actorId: row.actor_id,
    metadata: row.metadata,
    data: row.data,
  };
}

/** The typed event of a row; one that cannot be decoded throws `EventDecodingError` naming it. */
export function eventOf(row: EnvelopeRow, registry: EventRegistry): DomainEvent {
  return decodeStoredEvent(recordOf(row), registry);
}

/** Envelope fields as parallel arrays, for `unnest`-style inserts of many events in one statement. */
export interface EnvelopeColumns {
  readonly eventIds: string[];
  readonly eventTypes: string[];
  readonly eventVersions: number[];
  readonly occurredAt: string[];
  readonly correlationIds: string[];
  readonly causationIds: (string | null)[];
  readonly tenantIds: (string | null)[];
  readonly actorIds: (string | null)[];
  readonly metadata: string[];
  readonly data: string[];
}

/** Serializes events column-wise (dates and bigints survive, as everywhere in the library). */
export function envelopeColumns(events: readonly DomainEvent[]): EnvelopeColumns {
  const columns: EnvelopeColumns = {
    eventIds: [],
    eventTypes: [],
    eventVersions: [],
    occurredAt: [],
    correlationIds: [],
    causationIds: [],
    tenantIds: [],
    actorIds: [],
    metadata: [],
    data: [],
  };
  for (const event of events) {
    const record = serializeEvent(event);
    columns.eventIds.push(record.eventId);
    columns.eventTypes.push(record.eventType);
    columns.eventVersions.push(record.eventVersion);
    columns.occurredAt.push(record.occurredAt);
    columns.correlationIds.push(record.correlationId);
    columns.causationIds.push(record.causationId);
    columns.tenantIds.push(record.tenantId);
    columns.actorIds.push(record.actorId);
    columns.metadata.push(record.metadata);
    columns.data.push(record.data);
  }
  return columns;
}
