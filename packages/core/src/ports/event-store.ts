import type { DomainEvent } from '../events/domain-event.ts';
import { ConcurrencyError, InvalidArgumentError } from '../errors.ts';

/**
 * What `appendEvents` requires of the stream before writing:
 * - `'any'`: no check;
 * - `'no_stream'` (or `0`): the stream has no events;
 * - `'stream_exists'`: the stream has at least one event;
 * - a number `n`: the stream's current version is exactly `n`.
 */
export type ExpectedVersion = number | 'any' | 'no_stream' | 'stream_exists';
export const ExpectedVersion = { any: 'any', noStream: 'no_stream', streamExists: 'stream_exists' } as const;

export interface AppendResult {
  /** The stream's version after the append. */
  readonly nextVersion: number;
  /** Global position of the last event written (or the head when nothing was written). */
  readonly lastPosition: number;
  /** Events written; duplicates of already-stored event ids are skipped and not counted. */
  readonly written: number;
}

/** An event as stored: the event plus where it sits in its stream and in the global order. */
export interface StoredEvent<TEvent extends DomainEvent = DomainEvent> {
  readonly event: TEvent;
  /** `${aggregateType}-${aggregateId}`. */
  readonly streamId: string;
  /** The event's version within its stream (1-based). */
  readonly streamPosition: number;
  /** Position in the store-wide order; strictly increasing, possibly with gaps. */
  readonly globalPosition: number;
  readonly storedAt: Date;
}

export interface EventStream {
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly events: readonly DomainEvent[];
  /** The stream's current version: the version of its last event, 0 when it has none. */
  readonly version: number;
}

export interface GetEventsOptions {
  /** Return events with a version greater than this (default 0: all). */
  readonly fromVersion?: number;
}

export interface ReadAllOptions {
  /** Return events with a global position greater than this (default 0: from the start). */
  readonly fromPosition?: number;
  /** Stop after this many events (default: all). */
  readonly limit?: number;
  /** Events fetched per round trip (default 500). */
  readonly pageSize?: number;
  readonly eventTypes?: readonly string[];
  readonly aggregateTypes?: readonly string[];
}

export interface GetEventsByTypeOptions {
  readonly tenantId?: string;
  readonly fromTimestamp?: Date;
}

/** Capabilities an adapter declares; the contract suites test what is declared. */
export interface EventStoreCapabilities {
  /** `onAppend` wakes subscribers when events are written (possibly by other processes). */
  readonly appendNotifications: boolean;
}

/**
 * The longest aggregate id, aggregate type or event id a store accepts, in UTF-16 code units
 * (`string.length`). At most 3 bytes of UTF-8 each, so a stream key (id and type) stays well under
 * PostgreSQL's index row limit (2,704 bytes) and every store takes the same ids.
 */
export const MAX_ID_LENGTH = 255;

/**
 * An append-only log of events, in streams per aggregate, with one global order.
 *
 * Ids: `aggregateId`, `aggregateType` and `eventId` are non-empty, well-formed UTF-16 (no lone
 * surrogate, which a database would rewrite to U+FFFD so that two ids share one stream), contain no
 * NUL character, and are at most {@link MAX_ID_LENGTH} code units long. Any other id is refused
 * with `InvalidArgumentError` before any I/O, by appends and reads alike, in every store.
 *
 * Ordering guarantee of `readAll`: events come in increasing global position, and a reader never
 * sees position `p` before every event with a lower position is visible (no gaps filled in later),
 * so a subscription that checkpoints a position never misses an event below it.
 */
export interface EventStore {
  readonly capabilities: EventStoreCapabilities;

  /**
   * Appends `events` to the stream of (`aggregateId`, `aggregateType`) atomically: all or none.
   * Versions are assigned by the store (current version + 1, + 2, ...). Events whose `eventId` is
   * already stored are skipped, so retrying an append that did commit is harmless. When the
   * stream's version does not satisfy `expectedVersion`, nothing is written and a
   * `ConcurrencyError` carrying expected and actual versions is thrown. An empty list writes nothing.
   * The trace context of the append span is stored in each event's `metadata.traceparent`.
   */
  appendEvents(
    aggregateId: string,
    aggregateType: string,
    events: readonly DomainEvent[],
    expectedVersion: ExpectedVersion,
  ): Promise<AppendResult>;

  /** The stream's events in version order. An unknown stream gives an empty stream at version 0. */
  getEvents(aggregateId: string, aggregateType: string, options?: GetEventsOptions): Promise<EventStream>;

  /** Every event after `fromPosition` in global order, fetched page by page. */
  readAll(options?: ReadAllOptions): AsyncIterable<StoredEvent>;

  /** Events of one aggregate type in global order, optionally for one tenant and after a time. */
  getEventsByType(aggregateType: string, options?: GetEventsByTypeOptions): Promise<DomainEvent[]>;

  /** Whether an event with this id is stored (appending it again would be refused). */
  eventExists(eventId: string): Promise<boolean>;

  /** The stream's current version (0 when it has no events). */
  getStreamVersion(aggregateId: string, aggregateType: string): Promise<number>;

  /** The highest global position a reader can see now (0 for an empty store). */
  getGlobalPosition(): Promise<number>;

  /**
   * Calls `listener` after events are appended. Returns an unsubscribe function. A wake-up is a
   * hint: readers must still read the store, which stays the source of truth.
   */
  onAppend(listener: () => void): () => void;

  /** Releases what the store created. Calling it twice is harmless. */
  close(): Promise<void>;
}

/** Anything events can be published to after they are stored (an event bus, for instance). */
export interface EventPublisher {
  /** Resolves once every event was handed on (what that means is the implementation's contract). */
  publish(events: readonly DomainEvent[]): Promise<void>;
}

export function streamIdOf(aggregateType: string, aggregateId: string): string {
  return `${aggregateType}-${aggregateId}`;
}

/**
 * Throws `ConcurrencyError` when a stream at `actualVersion` does not satisfy `expected`, and
 * `InvalidArgumentError` when `expected` is not a valid expected version. Shared by every store.
 */
export function assertExpectedVersion(
  aggregateId: string,
  aggregateType: string,
  expected: ExpectedVersion,
  actualVersion: number,
): void {
  const satisfied =
    expected === 'any' ||
    (expected === 'no_stream' && actualVersion === 0) ||
    (expected === 'stream_exists' && actualVersion > 0) ||
    (typeof expected === 'number' && expected === actualVersion);
  if (typeof expected === 'number' && (!Number.isInteger(expected) || expected < 0)) {
    throw new InvalidArgumentError(
      `expectedVersion must be a non-negative integer or a named ExpectedVersion, got ${expected}`,
    );
  }
  if (typeof expected === 'string' && !['any', 'no_stream', 'stream_exists'].includes(expected)) {
    throw new InvalidArgumentError(`Unknown expectedVersion "${String(expected)}"`);
  }
  if (!satisfied)
    throw new ConcurrencyError({ aggregateId, aggregateType, expectedVersion: expected, actualVersion });
}

/** Checks an append's arguments before any I/O; bad input writes nothing. */
export function assertAppendArguments(
  aggregateId: string,
  aggregateType: string,
  events: readonly DomainEvent[],
): void {
  assertStreamArguments(aggregateId, aggregateType);
  if (!Array.isArray(events)) throw new InvalidArgumentError('events must be an array');
  const ids = new Set<string>();
  for (const event of events as readonly unknown[] as readonly DomainEvent[]) {
    if (event === null || typeof event !== 'object')
      throw new InvalidArgumentError('events must contain only events');
    if (event.aggregateId !== aggregateId || event.aggregateType !== aggregateType) {
      throw new InvalidArgumentError(
        `${event.eventType} ${event.eventId} belongs to ${event.aggregateType} ${event.aggregateId}, not ${aggregateType} ${aggregateId}`,
      );
    }
    assertId('eventId', event.eventId);
    if (ids.has(event.eventId))
      throw new InvalidArgumentError(`Event id ${event.eventId} appears twice in one append`);
    ids.add(event.eventId);
  }
}

/** Checks the ids naming a stream (see the id rules on {@link EventStore}); bad ids throw `InvalidArgumentError`. */
export function assertStreamArguments(aggregateId: string, aggregateType: string): void {
  assertId('aggregateId', aggregateId);
  assertId('aggregateType', aggregateType);
}

/**
 * Checks one id against the rules on {@link EventStore}: a non-empty, well-formed string without NUL,
 * at most {@link MAX_ID_LENGTH} code units. Otherwise `InvalidArgumentError`, naming the rule (the
 * id itself is not quoted whole: it may be huge or unprintable).
 */
export function assertId(name: string, id: unknown): void {
  if (typeof id !== 'string' || id.length === 0)
    throw new InvalidArgumentError(`${name} must be a non-empty string`);
  if (id.length > MAX_ID_LENGTH)
    throw new InvalidArgumentError(
      `${name} is ${id.length} characters long; the limit is ${MAX_ID_LENGTH} (${JSON.stringify(id.slice(0, 32))}...)`,
    );
  if (!id.isWellFormed())
    throw new InvalidArgumentError(
      `${name} ${JSON.stringify(id)} is not well-formed UTF-16: it contains a lone surrogate`,
    );
  if (id.includes('\u0000'))
    throw new InvalidArgumentError(`${name} ${JSON.stringify(id)} contains a NUL character`);
}
