import { EventDecodingError, SerializationError } from '../errors.ts';
import type { DomainEvent, EventMetadata } from './domain-event.ts';
import type { EventRegistry } from './event-registry.ts';
import { fromJson, isPlainJson, plainJson, reviveJson, toJson } from './tagged-json.ts';
import { validateSync } from './validation.ts';

export { fromJson, reviveJson, toJson } from './tagged-json.ts';

/** The flat, storage- and wire-friendly form of an event. `data` and `metadata` are JSON text. */
export interface SerializedEvent {
  readonly eventId: string;
  readonly eventType: string;
  readonly eventVersion: number;
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly aggregateVersion: number;
  readonly occurredAt: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly tenantId: string | null;
  readonly actorId: string | null;
  readonly metadata: string;
  readonly data: string;
}

/** The envelope of an event in flat form, with `metadata` and `data` as given (text or values). */
function documentOf<T>(event: DomainEvent, metadata: T, data: T) {
  return {
    eventId: event.eventId,
    eventType: event.eventType,
    eventVersion: event.eventVersion,
    aggregateId: event.aggregateId,
    aggregateType: event.aggregateType,
    aggregateVersion: event.aggregateVersion,
    occurredAt: isoTextOf(event.occurredAt),
    correlationId: event.correlationId,
    causationId: event.causationId,
    tenantId: event.tenantId ?? null,
    actorId: event.actorId ?? null,
    metadata,
    data,
  };
}

/** The last timestamp written and its ISO text: the events of one batch usually share it. */
let lastWrittenMilliseconds = Number.NaN;
let lastWrittenIsoText = '';

/** `date.toISOString()`, reusing the last text when the time is the same (formatting costs more than comparing). */
function isoTextOf(date: Date): string {
  const milliseconds = date.getTime();
  if (milliseconds !== lastWrittenMilliseconds) {
    lastWrittenIsoText = date.toISOString();
    lastWrittenMilliseconds = milliseconds;
  }
  return lastWrittenIsoText;
}

export function serializeEvent(event: DomainEvent): SerializedEvent {
  return documentOf(event, toJson(event.metadata), toJson(event.data));
}

/**
 * A serialized event whose `data`/`metadata` may already be parsed (JSONB drivers) and whose
 * `occurredAt` may be ISO text, a `Date` or epoch milliseconds (the cheapest to read back).
 */
export type StoredEventRecord = Omit<SerializedEvent, 'data' | 'metadata' | 'occurredAt'> & {
  readonly data: string | unknown;
  readonly metadata: string | unknown;
  readonly occurredAt: string | number | Date;
};

const EMPTY_METADATA: EventMetadata = Object.freeze({});

/**
 * Turns a stored or received record back into a typed event: finds its definition (an unknown type
 * throws {@link EventTypeNotFoundError}), upcasts older payload versions, then validates the payload
 * when the definition has a schema.
 */
export function deserializeEvent(record: StoredEventRecord, registry: EventRegistry): DomainEvent {
  const metadata = record.metadata === '{}' ? EMPTY_METADATA : metadataOf(decodeJsonColumn(record.metadata));
  return eventOf(record, decodeJsonColumn(record.data), metadata, registry);
}

/** JSON text (SQL text columns) or a value a driver already parsed (JSONB), decoded once. */
function decodeJsonColumn(stored: unknown): unknown {
  return typeof stored === 'string' ? fromJson(stored) : reviveJson(stored);
}

/** The typed event of a record whose `data` and `metadata` are decoded already. */
function eventOf(
  record: StoredEventRecord,
  decodedData: unknown,
  metadata: EventMetadata,
  registry: EventRegistry,
): DomainEvent {
  const definition = registry.get(record.eventType);
  let data = decodedData;
  for (let version = record.eventVersion; version < definition.version; version += 1) {
    const upcaster = definition.upcasters.get(version);
    if (upcaster === undefined) {
      throw new SerializationError(`${record.eventType}: no upcaster from version ${version}`);
    }
    data = upcaster(data);
  }
  if (record.eventVersion > definition.version) {
    throw new SerializationError(
      `${record.eventType}: stored version ${record.eventVersion} is newer than the registered version ${definition.version}`,
    );
  }
  if (definition.schema) data = validateSync(record.eventType, definition.schema, data);
  const event: { -readonly [K in keyof DomainEvent]: DomainEvent[K] } = {
    eventId: record.eventId,
    eventType: record.eventType,
    eventVersion: Math.max(record.eventVersion, definition.version),
    aggregateId: record.aggregateId,
    aggregateType: record.aggregateType,
    aggregateVersion: record.aggregateVersion,
    occurredAt: dateOf(record.occurredAt),
    correlationId: record.correlationId,
    causationId: record.causationId,
    metadata,
    data,
  };
  if (record.tenantId !== null) event.tenantId = record.tenantId;
  if (record.actorId !== null) event.actorId = record.actorId;
  return Object.freeze(event);
}

/** The last ISO text parsed and its epoch milliseconds: rows written by one append share their text. */
let lastIsoText = '';
let lastIsoMilliseconds = Number.NaN;

/**
 * A fresh `Date` for a stored timestamp (epoch milliseconds, ISO text or a driver's `Date`, which
 * is used as is). Parsing ISO text costs several times building a Date from a number, and
 * consecutive rows usually carry the same text, so the last parse is reused.
 */
function dateOf(value: string | number | Date): Date {
  if (typeof value !== 'string') return value instanceof Date ? value : new Date(value);
  if (value !== lastIsoText) {
    lastIsoMilliseconds = Date.parse(value);
    lastIsoText = value;
  }
  return new Date(lastIsoMilliseconds);
}

/**
 * {@link deserializeEvent} for an event read from a store: any failure (unknown type, upcaster,
 * schema, malformed JSON) throws {@link EventDecodingError} naming the event and its position, with
 * the record as stored and the original error as `cause`.
 */
export function decodeStoredEvent(
  record: StoredEventRecord,
  registry: EventRegistry,
  globalPosition?: number,
): DomainEvent {
  try {
    return deserializeEvent(record, registry);
  } catch (error) {
    throw new EventDecodingError(rawEventOf(record), globalPosition, { cause: error });
  }
}

/** A stored record in flat form: `data` and `metadata` as JSON text, `occurredAt` as ISO text. */
export function rawEventOf(record: StoredEventRecord): SerializedEvent {
  return {
    eventId: record.eventId,
    eventType: record.eventType,
    eventVersion: record.eventVersion,
    aggregateId: record.aggregateId,
    aggregateType: record.aggregateType,
    aggregateVersion: record.aggregateVersion,
    occurredAt: isoText(record.occurredAt),
    correlationId: record.correlationId,
    causationId: record.causationId,
    tenantId: record.tenantId,
    actorId: record.actorId,
    metadata: jsonText(record.metadata),
    data: jsonText(record.data),
  };
}

function isoText(value: string | number | Date): string {
  if (typeof value === 'string') return value;
  const date = typeof value === 'number' ? new Date(value) : value;
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

/** Text as stored; an already-parsed value (JSONB) as plain JSON, which is what the database holds. */
function jsonText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}

/** Decoded metadata as a frozen object; the common empty case shares one instance. */
function metadataOf(decoded: unknown): EventMetadata {
  if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded))
    throw new SerializationError('Event metadata is not a JSON object');
  // Parsed for this read, so nobody else holds it: freezing in place is safe.
  return Object.keys(decoded).length === 0 ? EMPTY_METADATA : Object.freeze(decoded as EventMetadata);
}

/**
 * One event as one JSON document, for message buses: the envelope with `data` and `metadata`
 * nested (dates and bigints tagged), so a consumer parses it once.
 */
export function encodeEvent(event: DomainEvent): string {
  const document = documentOf<unknown>(event, event.metadata, event.data);
  // The envelope is strings, numbers and nulls: only `data` and `metadata` can need tags. This runs
  // for every message a bus publishes, so the common case skips walking the envelope.
  return isPlainJson(event.data) && isPlainJson(event.metadata) ? plainJson(document) : toJson(document);
}

/** Reverses {@link encodeEvent}. Malformed input throws {@link SerializationError}; unknown types `EventTypeNotFoundError`. */
export function decodeEvent(json: string | Uint8Array, registry: EventRegistry): DomainEvent {
  const text =
    typeof json === 'string'
      ? json
      : Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8');
  // One parse revives the whole document, `data` and `metadata` included: they are not revived again.
  const record = fromJson(text);
  if (!isEncodedEvent(record)) throw new SerializationError('Message is not an encoded event');
  return eventOf(record, record.data, metadataOf(record.metadata), registry);
}

function isEncodedEvent(value: unknown): value is StoredEventRecord {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.eventId === 'string' &&
    typeof record.eventType === 'string' &&
    typeof record.eventVersion === 'number' &&
    typeof record.aggregateId === 'string' &&
    typeof record.aggregateType === 'string' &&
    typeof record.aggregateVersion === 'number' &&
    typeof record.occurredAt === 'string' &&
    'data' in record &&
    typeof record.metadata === 'object' &&
    record.metadata !== null
  );
}
