import { SerializationError } from '../errors.ts';
import type { DomainEvent, EventMetadata } from './domain-event.ts';
import type { EventRegistry } from './event-registry.ts';
import { validateSync } from './validation.ts';

/**
 * JSON that keeps what plain JSON loses: a `Date` is written as `{"$date": iso}` and a `bigint` as
 * `{"$bigint": digits}`, and both come back as themselves.
 */
export function toJson(value: unknown): string {
  try {
    // Most payloads hold no Date or bigint; they skip the replacer, which costs a call per key.
    if (!needsTagging(value, 0)) return JSON.stringify(value);
    return JSON.stringify(value, function (this: Record<string, unknown>, key, encoded: unknown) {
      const raw = key === '' ? value : this[key];
      if (raw instanceof Date) return { $date: raw.toISOString() };
      if (typeof raw === 'bigint') return { $bigint: raw.toString() };
      return encoded;
    });
  } catch (error) {
    throw new SerializationError('Value cannot be serialized to JSON', { cause: error });
  }
}

/** Whether `value` holds a Date or a bigint (deep structures are assumed to, and take the slow path). */
function needsTagging(value: unknown, depth: number): boolean {
  if (typeof value === 'bigint') return true;
  if (value === null || typeof value !== 'object') return false;
  if (value instanceof Date || depth > 64) return true;
  if (Array.isArray(value)) return value.some((item) => needsTagging(item, depth + 1));
  for (const key in value) {
    if (needsTagging((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

export function fromJson(json: string): unknown {
  try {
    // Tagged values always contain `"$`; most payloads do not, and parse faster without a reviver.
    if (!json.includes('"$')) return JSON.parse(json);
    return JSON.parse(json, (_key, value: unknown) => reviveTagged(value));
  } catch (error) {
    throw new SerializationError('Malformed JSON', { cause: error });
  }
}

/** Revives tagged values in an already-parsed structure (a driver that returns JSONB as objects). */
export function reviveJson(value: unknown): unknown {
  return hasTaggedValue(value) ? reviveDeep(value) : value;
}

function hasTaggedValue(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || value instanceof Date) return false;
  if (Array.isArray(value)) return value.some(hasTaggedValue);
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === '$date' || keys[0] === '$bigint')) return true;
  return keys.some((key) => hasTaggedValue((value as Record<string, unknown>)[key]));
}

function reviveDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reviveDeep);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const revived: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) revived[key] = reviveDeep(entry);
    return reviveTagged(revived);
  }
  return value;
}

function reviveTagged(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) return value;
  const tagged = value as { $date?: unknown; $bigint?: unknown };
  if (typeof tagged.$date === 'string') return new Date(tagged.$date);
  if (typeof tagged.$bigint === 'string') return BigInt(tagged.$bigint);
  return value;
}

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

/** The envelope of an event in flat form: everything but `data` and `metadata`. */
function envelopeOf(event: DomainEvent): Omit<SerializedEvent, 'data' | 'metadata'> {
  return {
    eventId: event.eventId,
    eventType: event.eventType,
    eventVersion: event.eventVersion,
    aggregateId: event.aggregateId,
    aggregateType: event.aggregateType,
    aggregateVersion: event.aggregateVersion,
    occurredAt: event.occurredAt.toISOString(),
    correlationId: event.correlationId,
    causationId: event.causationId,
    tenantId: event.tenantId ?? null,
    actorId: event.actorId ?? null,
  };
}

export function serializeEvent(event: DomainEvent): SerializedEvent {
  return { ...envelopeOf(event), metadata: toJson(event.metadata), data: toJson(event.data) };
}

/** A serialized event whose `data`/`metadata` may already be parsed (JSONB drivers). */
export type StoredEventRecord = Omit<SerializedEvent, 'data' | 'metadata' | 'occurredAt'> & {
  readonly data: string | unknown;
  readonly metadata: string | unknown;
  readonly occurredAt: string | Date;
};

/**
 * Turns a stored or received record back into a typed event: finds its definition (an unknown type
 * throws {@link EventTypeNotFoundError}), upcasts older payload versions, then validates the payload
 * when the definition has a schema.
 */
export function deserializeEvent(record: StoredEventRecord, registry: EventRegistry): DomainEvent {
  const definition = registry.get(record.eventType);
  let data = typeof record.data === 'string' ? fromJson(record.data) : reviveJson(record.data);
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
    occurredAt: record.occurredAt instanceof Date ? record.occurredAt : new Date(record.occurredAt),
    correlationId: record.correlationId,
    causationId: record.causationId,
    metadata: metadataOf(record.metadata),
    data,
  };
  if (record.tenantId !== null) event.tenantId = record.tenantId;
  if (record.actorId !== null) event.actorId = record.actorId;
  return Object.freeze(event);
}

const EMPTY_METADATA: EventMetadata = Object.freeze({});

/** Stored metadata as a frozen object; the common empty case shares one instance. */
function metadataOf(stored: unknown): EventMetadata {
  if (stored === '{}') return EMPTY_METADATA;
  // Parsed here or by the driver for this read, so nobody else holds it: freezing in place is safe.
  const metadata = (typeof stored === 'string' ? fromJson(stored) : reviveJson(stored)) as Record<
    string,
    unknown
  >;
  return Object.keys(metadata).length === 0 ? EMPTY_METADATA : Object.freeze(metadata);
}

/**
 * One event as one JSON document, for message buses: the envelope with `data` and `metadata`
 * nested (dates and bigints tagged), so a consumer parses it once.
 */
export function encodeEvent(event: DomainEvent): string {
  return toJson({ ...envelopeOf(event), metadata: event.metadata, data: event.data });
}

/** Reverses {@link encodeEvent}. Malformed input throws {@link SerializationError}; unknown types `EventTypeNotFoundError`. */
export function decodeEvent(json: string | Uint8Array, registry: EventRegistry): DomainEvent {
  const text =
    typeof json === 'string'
      ? json
      : Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8');
  const record = fromJson(text);
  if (!isEncodedEvent(record)) throw new SerializationError('Message is not an encoded event');
  return deserializeEvent(record, registry);
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
