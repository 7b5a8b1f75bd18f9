import { type DomainEvent, type EventRegistry } from '@eventsource/core';
import { decodeEvent, encodeEvent, type SerializedEvent } from '@eventsource/core/kit';

/**
 * The `event` column of `dead_letter_queue`: a decodable event as core's `encodeEvent` JSON; an
 * event that could not be decoded as `{"raw": <SerializedEvent>}`, its stored form kept as it was.
 */
export function eventColumnOf(failure: {
  readonly event?: DomainEvent | undefined;
  readonly raw?: SerializedEvent | undefined;
}): string {
  return failure.event !== undefined ? encodeEvent(failure.event) : JSON.stringify({ raw: failure.raw });
}

/**
 * The event of a stored `event` column, or, when it cannot be decoded (a raw entry, a type the
 * registry does not know now, text that is not JSON), `null` with the stored form as `raw`.
 */
export function eventFromColumn(
  column: string,
  identity: { readonly eventId: string; readonly eventType: string },
  registry: EventRegistry,
): { readonly event: DomainEvent | null; readonly raw: SerializedEvent | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(column);
  } catch {
    return { event: null, raw: unparsedRaw(column, identity) };
  }
  const stored = isObject(parsed) && isObject(parsed.raw) ? parsed.raw : undefined;
  if (stored !== undefined) return { event: null, raw: stored as unknown as SerializedEvent };
  try {
    return { event: decodeEvent(column, registry), raw: null };
  } catch {
    return { event: null, raw: encodedRaw(isObject(parsed) ? parsed : {}, identity, column) };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An `encodeEvent` document that no longer decodes, flattened: its JSON members as JSON text. */
function encodedRaw(
  document: Record<string, unknown>,
  identity: { readonly eventId: string; readonly eventType: string },
  column: string,
): SerializedEvent {
  const text = (key: string, fallback: string | null): string | null =>
    typeof document[key] === 'string' ? (document[key] as string) : fallback;
  const number = (key: string): number => (typeof document[key] === 'number' ? (document[key] as number) : 0);
  return {
    eventId: identity.eventId,
    eventType: identity.eventType,
    eventVersion: number('eventVersion'),
    aggregateId: text('aggregateId', '') ?? '',
    aggregateType: text('aggregateType', '') ?? '',
    aggregateVersion: number('aggregateVersion'),
    occurredAt: text('occurredAt', '') ?? '',
    correlationId: text('correlationId', '') ?? '',
    causationId: text('causationId', null),
    tenantId: text('tenantId', null),
    actorId: text('actorId', null),
    metadata: 'metadata' in document ? JSON.stringify(document.metadata) : '{}',
    data: 'data' in document ? JSON.stringify(document.data) : column,
  };
}

/** A column that is not even JSON: kept whole as `data`. */
function unparsedRaw(
  column: string,
  identity: { readonly eventId: string; readonly eventType: string },
): SerializedEvent {
  return { ...encodedRaw({}, identity, column), data: column };
}
