import {
  EventValidationError,
  InvalidArgumentError,
  type DomainEvent,
  type EventDefinition,
} from '@eventsource/core';
import { type SerializedEvent } from '@eventsource/core/kit';

/**
 * The columns of `events` under the names of core's `SerializedEvent`, so a selected row is already
 * the record `deserializeEvent` takes.
 */
export const EVENT_COLUMNS = `event_id AS eventId, event_type AS eventType, event_version AS eventVersion,
  aggregate_id AS aggregateId, aggregate_type AS aggregateType, version AS aggregateVersion,
  occurred_at AS occurredAt, correlation_id AS correlationId, causation_id AS causationId,
  tenant_id AS tenantId, actor_id AS actorId, metadata, data`;

/** A row of `events` with its position columns. */
export interface EventRow extends SerializedEvent {
  readonly globalPosition: number;
  readonly storedAt: string;
}

/**
 * One page of `readAll`: positions after the first parameter, optionally of the event types and
 * aggregate types given as JSON arrays, then the page size.
 */
export function readPageSql(byEventType: boolean, byAggregateType: boolean): string {
  return `SELECT global_position AS globalPosition, stored_at AS storedAt, ${EVENT_COLUMNS} FROM events
    WHERE global_position > ?
    ${byEventType ? 'AND event_type IN (SELECT value FROM json_each(?))' : ''}
    ${byAggregateType ? 'AND aggregate_type IN (SELECT value FROM json_each(?))' : ''}
    ORDER BY global_position LIMIT ?`;
}

export const INSERT_EVENT = `INSERT INTO events (event_id, aggregate_id, aggregate_type, version, event_type, event_version,
  occurred_at, correlation_id, causation_id, tenant_id, actor_id, metadata, data, stored_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The positional parameters of {@link INSERT_EVENT}. */
export function insertParameters(record: SerializedEvent, storedAt: string): unknown[] {
  return [
    record.eventId,
    record.aggregateId,
    record.aggregateType,
    record.aggregateVersion,
    record.eventType,
    record.eventVersion,
    record.occurredAt,
    record.correlationId,
    record.causationId,
    record.tenantId,
    record.actorId,
    record.metadata,
    record.data,
    storedAt,
  ];
}

/**
 * Validates `event.data` against its definition's Standard Schema, if it has one, so a payload the
 * store could not read back is refused before anything is written.
 */
export function assertValidPayload(definition: EventDefinition, event: DomainEvent): void {
  if (definition.schema === undefined) return;
  const result = definition.schema['~standard'].validate(event.data);
  if (result instanceof Promise)
    throw new InvalidArgumentError(`${event.eventType}: event schemas must validate synchronously`);
  if (result.issues) {
    throw new EventValidationError(
      event.eventType,
      result.issues.map((issue) => ({
        message: issue.message,
        path: issue.path?.map((segment) => (typeof segment === 'object' ? segment.key : segment)),
      })),
    );
  }
}
