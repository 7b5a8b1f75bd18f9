import { InvalidArgumentError, SerializationError } from '../../errors.ts';
import type { DomainEvent } from '../../events/domain-event.ts';
import type { EventRegistry } from '../../events/event-registry.ts';
import { deserializeEvent } from '../../events/serialization.ts';
import type { WireFormat } from '../wire-format.ts';
import { isoformatTimestamp, parsePythonTimestamp, pydanticTimestamp } from './python-iso-time.ts';

/**
 * The message format of eventsource-py 0.15.1's Kafka bus, so a Python service and this library
 * share a topic. Read from its source: the value is `DomainEvent.model_dump_json()`
 * (`adapters/kafka/serialization.py`): one flat snake_case object, the payload fields beside the
 * envelope fields; the headers are the ones `KafkaPublisher._create_headers` writes
 * (`adapters/kafka/publisher.py`). `docs/interop-python.md` has the field mapping.
 *
 * What Python requires is checked when encoding, so a publish fails with an
 * {@link InvalidArgumentError} instead of a Python consumer dead-lettering the message: event id,
 * aggregate id, correlation id, causation id and tenant id must be lowercase hyphenated UUIDs,
 * the aggregate type must match `^[A-Za-z0-9_.-]+$`, and the payload must be an object whose keys
 * do not clash with an envelope field.
 */
export const eventsourcePyWireFormat: WireFormat = {
  name: 'eventsource-py',
  encode: (event) => ({ value: encodeValue(event), headers: encodeHeaders(event) }),
  decode: (value, header, registry) => decodeValue(value, header, registry),
};

/** The envelope fields of eventsource-py's `DomainEvent`, in its field order. */
const ENVELOPE_FIELDS = [
  'event_id',
  'event_type',
  'event_version',
  'occurred_at',
  'aggregate_id',
  'aggregate_type',
  'aggregate_version',
  'tenant_id',
  'actor_id',
  'correlation_id',
  'causation_id',
  'metadata',
] as const;

const envelopeFields: ReadonlySet<string> = new Set(ENVELOPE_FIELDS);

/** `str(uuid.UUID(...))`: any version, lowercase, hyphenated; any other spelling would come back changed. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** eventsource-py's `CATEGORY_PATTERN`: the aggregate type names a stream category. */
const AGGREGATE_TYPE = /^[A-Za-z0-9_.-]+$/;

function uuid(event: DomainEvent, field: string, value: string): string {
  if (typeof value !== 'string' || !UUID.test(value))
    throw new InvalidArgumentError(
      `${event.eventType}: ${field} ${JSON.stringify(value)} is not a lowercase hyphenated UUID, which the eventsource-py wire format requires`,
    );
  return value;
}

function encodeValue(event: DomainEvent): string {
  if (!AGGREGATE_TYPE.test(event.aggregateType))
    throw new InvalidArgumentError(
      `${event.eventType}: aggregateType ${JSON.stringify(event.aggregateType)} must match ^[A-Za-z0-9_.-]+$ for the eventsource-py wire format`,
    );
  const data = event.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data) || data instanceof Date)
    throw new InvalidArgumentError(
      `${event.eventType}: the eventsource-py wire format puts payload fields beside the envelope, so data must be an object`,
    );
  const clashes = Object.keys(data).filter((key) => envelopeFields.has(key));
  if (clashes.length > 0)
    throw new InvalidArgumentError(
      `${event.eventType}: payload field(s) ${clashes.join(', ')} clash with eventsource-py's envelope fields`,
    );
  const envelope = {
    event_id: uuid(event, 'eventId', event.eventId),
    event_type: event.eventType,
    event_version: event.eventVersion,
    occurred_at: pydanticTimestamp(event.occurredAt, `${event.eventType}: occurredAt`),
    aggregate_id: uuid(event, 'aggregateId', event.aggregateId),
    aggregate_type: event.aggregateType,
    aggregate_version: event.aggregateVersion,
    tenant_id: event.tenantId === undefined ? null : uuid(event, 'tenantId', event.tenantId),
    actor_id: event.actorId ?? null,
    correlation_id: uuid(event, 'correlationId', event.correlationId),
    causation_id: event.causationId === null ? null : uuid(event, 'causationId', event.causationId),
    metadata: event.metadata,
  };
  return pythonJson(event.eventType, { ...envelope, ...data });
}

/** The headers eventsource-py's publisher writes, in its order (tenant, causation and actor only when set). */
function encodeHeaders(event: DomainEvent): Record<string, string> {
  const headers: Record<string, string> = {
    event_id: event.eventId,
    event_type: event.eventType,
    aggregate_id: event.aggregateId,
    aggregate_type: event.aggregateType,
    aggregate_version: String(event.aggregateVersion),
    occurred_at: isoformatTimestamp(event.occurredAt, `${event.eventType}: occurredAt`),
    correlation_id: event.correlationId,
  };
  if (event.tenantId) headers.tenant_id = event.tenantId;
  if (event.causationId) headers.causation_id = event.causationId;
  if (event.actorId) headers.actor_id = event.actorId;
  return headers;
}

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/**
 * JSON as pydantic reads it: a `Date` becomes its timestamp text, a `bigint` an exact integer
 * literal (Python ints have no size limit), and a number that JSON cannot hold is refused rather
 * than written as `null` (eventsource-py's events forbid NaN and infinities).
 */
function pythonJson(eventType: string, value: unknown): string {
  try {
    return JSON.stringify(value, function (this: Record<string, unknown>, key, encoded: unknown) {
      // `this` holds the value before toJSON ran (the root sits under the key '' of a wrapper).
      const raw = this[key];
      if (raw instanceof Date) return pydanticTimestamp(raw, `${eventType}: ${key}`);
      if (typeof raw === 'bigint') return rawJson(raw.toString());
      if (typeof raw === 'number' && !Number.isFinite(raw))
        throw new InvalidArgumentError(`${eventType}: ${key} is ${raw}, which JSON cannot carry`);
      return encoded;
    });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw new SerializationError(`${eventType}: event cannot be serialized to JSON`, { cause: error });
  }
}

/** Integer literals too long for a double come back as bigints, exactly as Python wrote them. */
const LONG_INTEGER = /\d{16}/;

function parseJson(text: string): unknown {
  try {
    if (!LONG_INTEGER.test(text)) return JSON.parse(text);
    return JSON.parse(text, (_key, parsed: unknown, context?: { source?: string }) =>
      typeof parsed === 'number' &&
      !Number.isSafeInteger(parsed) &&
      context?.source !== undefined &&
      /^-?\d+$/.test(context.source)
        ? BigInt(context.source)
        : parsed,
    );
  } catch (error) {
    throw new SerializationError('Malformed JSON in an eventsource-py message', { cause: error });
  }
}

function text(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (typeof value !== 'string' || value.length === 0)
    throw new SerializationError(`eventsource-py message: ${field} must be a non-empty string`);
  return value;
}

function optionalText(record: Record<string, unknown>, field: string): string | null {
  const value = record[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string')
    throw new SerializationError(`eventsource-py message: ${field} must be a string or null`);
  return value;
}

function positiveInteger(record: Record<string, unknown>, field: string): number {
  const value = record[field];
  // Python's model defaults both versions to 1.
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new SerializationError(`eventsource-py message: ${field} must be a positive integer`);
  return value;
}

/**
 * Reads a message eventsource-py wrote. Every key that is not an envelope field is payload. The
 * event type comes from the value, else from the `event_type` header (eventsource-py's consumer
 * picks the class by that header). Payload timestamps stay strings: nothing in the message says
 * which strings were datetimes; a payload schema that coerces dates turns them back.
 */
function decodeValue(
  value: string,
  header: (name: string) => string | undefined,
  registry: EventRegistry,
): DomainEvent {
  const parsed = parseJson(value);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new SerializationError('eventsource-py message: the value is not a JSON object');
  const record = parsed as Record<string, unknown>;
  const eventType =
    typeof record.event_type === 'string' && record.event_type.length > 0
      ? record.event_type
      : header('event_type');
  if (eventType === undefined || eventType.length === 0)
    throw new SerializationError('eventsource-py message: no event_type in the value or the headers');
  const metadata = record.metadata ?? {};
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
    throw new SerializationError('eventsource-py message: metadata must be an object');
  // fromEntries defines own properties: a `__proto__` key stays a key.
  const data = Object.fromEntries(Object.entries(record).filter(([key]) => !envelopeFields.has(key)));
  const tenantId = optionalText(record, 'tenant_id');
  const actorId = optionalText(record, 'actor_id');
  return deserializeEvent(
    {
      eventId: text(record, 'event_id'),
      eventType,
      eventVersion: positiveInteger(record, 'event_version'),
      aggregateId: text(record, 'aggregate_id'),
      aggregateType: text(record, 'aggregate_type'),
      aggregateVersion: positiveInteger(record, 'aggregate_version'),
      occurredAt: parsePythonTimestamp(record.occurred_at, 'eventsource-py message: occurred_at'),
      correlationId: text(record, 'correlation_id'),
      causationId: optionalText(record, 'causation_id'),
      tenantId,
      actorId,
      metadata,
      data,
    },
    registry,
  );
}
