import { randomUUID } from 'node:crypto';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InvalidArgumentError } from '../errors.ts';
import { validateSync } from './validation.ts';

/** Free-form event metadata. The library keeps W3C trace context here (`traceparent`, `tracestate`). */
export type EventMetadata = Readonly<Record<string, unknown>>;

/**
 * The envelope every event travels in. `data` is the typed payload; everything else is identity,
 * ordering and correlation. Events are immutable values.
 */
export interface DomainEvent<TType extends string = string, TData = unknown> {
  readonly eventId: string;
  readonly eventType: TType;
  /** Schema version of `data`; upcasters lift older versions on read. */
  readonly eventVersion: number;
  readonly aggregateId: string;
  readonly aggregateType: string;
  /** The aggregate's version after this event (1 for the first event of a stream). */
  readonly aggregateVersion: number;
  readonly occurredAt: Date;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly tenantId?: string | undefined;
  readonly actorId?: string | undefined;
  readonly metadata: EventMetadata;
  readonly data: TData;
}

/** Envelope fields a caller may set when creating an event; the rest are derived. */
export interface EventEnvelopeInput {
  readonly aggregateId: string;
  readonly aggregateType?: string;
  readonly aggregateVersion?: number;
  readonly eventId?: string;
  readonly occurredAt?: Date;
  readonly correlationId?: string;
  readonly causationId?: string | null;
  readonly tenantId?: string;
  readonly actorId?: string;
  readonly metadata?: EventMetadata;
}

/** Lifts `data` stored at `fromVersion` to `fromVersion + 1`. */
export type Upcaster = (data: unknown) => unknown;

/**
 * What an event type is: its name, its payload type, optional runtime schema and its upcasters.
 * Created with {@link defineEvent}; registered with `registerEvent` so stores and buses can read it.
 */
export interface EventDefinition<TType extends string = string, TData = unknown> {
  readonly eventType: TType;
  /** Default aggregate type for events of this type. */
  readonly aggregateType: string | undefined;
  /** Current schema version of `data`. */
  readonly version: number;
  readonly schema: StandardSchemaV1<unknown, TData> | undefined;
  /** Upcasters keyed by the version they lift from. */
  readonly upcasters: ReadonlyMap<number, Upcaster>;
  /** Builds an event of this type (payload validated when a schema is set). */
  create(data: TData, envelope: EventEnvelopeInput): DomainEvent<TType, TData>;
  /** Type guard for events of this type. */
  is(event: DomainEvent): event is DomainEvent<TType, TData>;
}

export interface DefineEventOptions<TData> {
  readonly aggregateType?: string;
  readonly version?: number;
  /** Any Standard Schema (zod, valibot, arktype, ...). Validates on create and on read. Must be synchronous. */
  readonly schema?: StandardSchemaV1<unknown, TData>;
  /** `{ 1: (v1) => v2, 2: (v2) => v3 }`: one upcaster per older version. */
  readonly upcasters?: Readonly<Record<number, Upcaster>>;
}

export type EventDataOf<TDefinition> =
  TDefinition extends EventDefinition<string, infer TData> ? TData : never;
export type EventOf<TDefinition> =
  TDefinition extends EventDefinition<infer TType, infer TData> ? DomainEvent<TType, TData> : never;

const EVENT_TYPE_PATTERN = /^[A-Za-z_][\w.:-]{0,199}$/;

export function defineEvent<TData = Record<string, never>, TType extends string = string>(
  eventType: TType,
  options: DefineEventOptions<TData> = {},
): EventDefinition<TType, TData> {
  if (!EVENT_TYPE_PATTERN.test(eventType)) {
    throw new InvalidArgumentError(
      `Invalid event type "${eventType}": use letters, digits, "_", ".", ":" or "-"`,
    );
  }
  const version = options.version ?? 1;
  if (!Number.isInteger(version) || version < 1) {
    throw new InvalidArgumentError(`Event version must be a positive integer, got ${version}`);
  }
  const upcasters = new Map<number, Upcaster>();
  for (const [from, upcaster] of Object.entries(options.upcasters ?? {})) {
    const fromVersion = Number(from);
    if (!Number.isInteger(fromVersion) || fromVersion < 1 || fromVersion >= version) {
      throw new InvalidArgumentError(
        `${eventType}: upcaster from version ${from} is outside 1..${version - 1}`,
      );
    }
    upcasters.set(fromVersion, upcaster);
  }
  for (let from = 1; from < version; from += 1) {
    if (!upcasters.has(from)) {
      throw new InvalidArgumentError(
        `${eventType}: version ${version} needs an upcaster from version ${from}`,
      );
    }
  }
  const definition: EventDefinition<TType, TData> = {
    eventType,
    aggregateType: options.aggregateType,
    version,
    schema: options.schema,
    upcasters,
    create(data, envelope) {
      const aggregateType = envelope.aggregateType ?? options.aggregateType;
      if (aggregateType === undefined) {
        throw new InvalidArgumentError(
          `${eventType}: aggregateType is required (set it on defineEvent or the envelope)`,
        );
      }
      const validData = options.schema ? validateSync(eventType, options.schema, data) : data;
      return createEvent<TType, TData>({
        ...envelope,
        eventType,
        eventVersion: version,
        aggregateType,
        data: validData,
      });
    },
    is(event): event is DomainEvent<TType, TData> {
      return event.eventType === eventType;
    },
  };
  return Object.freeze(definition);
}

/** Builds an event envelope with fresh ids and the current time where none are given. */
export function createEvent<TType extends string, TData>(
  input: EventEnvelopeInput & {
    readonly eventType: TType;
    readonly data: TData;
    readonly aggregateType: string;
    readonly eventVersion?: number;
  },
): DomainEvent<TType, TData> {
  if (typeof input.aggregateId !== 'string' || input.aggregateId.length === 0) {
    throw new InvalidArgumentError(`${input.eventType}: aggregateId must be a non-empty string`);
  }
  const aggregateVersion = input.aggregateVersion ?? 1;
  if (!Number.isInteger(aggregateVersion) || aggregateVersion < 1) {
    throw new InvalidArgumentError(`${input.eventType}: aggregateVersion must be a positive integer`);
  }
  return Object.freeze({
    eventId: input.eventId ?? randomUUID(),
    eventType: input.eventType,
    eventVersion: input.eventVersion ?? 1,
    aggregateId: input.aggregateId,
    aggregateType: input.aggregateType,
    aggregateVersion,
    occurredAt: input.occurredAt ?? new Date(),
    correlationId: input.correlationId ?? randomUUID(),
    causationId: input.causationId ?? null,
    ...(input.tenantId === undefined ? {} : { tenantId: input.tenantId }),
    ...(input.actorId === undefined ? {} : { actorId: input.actorId }),
    metadata: Object.freeze({ ...input.metadata }),
    data: input.data,
  });
}

/** A copy of `event` caused by `cause`: same correlation id, causation id = the cause's event id. */
export function causedBy<TEvent extends DomainEvent>(event: TEvent, cause: DomainEvent): TEvent {
  return Object.freeze({ ...event, correlationId: cause.correlationId, causationId: cause.eventId });
}

/** A copy of `event` with `metadata` merged in. */
export function withMetadata<TEvent extends DomainEvent>(event: TEvent, metadata: EventMetadata): TEvent {
  return Object.freeze({ ...event, metadata: Object.freeze({ ...event.metadata, ...metadata }) });
}
