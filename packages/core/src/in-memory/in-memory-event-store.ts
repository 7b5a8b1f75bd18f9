import type { DomainEvent } from '../events/domain-event.ts';
import { defaultRegistry, type EventRegistry } from '../events/event-registry.ts';
import { decodeStoredEvent, serializeEvent, type SerializedEvent } from '../events/serialization.ts';
import { validateEvent } from '../events/validation.ts';
import { ClosedError, errorTypeOf } from '../errors.ts';
import { getLogger, LoggerNames } from '../logging/logger.ts';
import type { TelemetryOptions } from '../observability/component-tracer.ts';
import { EventStoreTelemetry } from '../observability/event-store-telemetry.ts';
import type { MetricsOptions } from '../observability/metrics.ts';
import { SpanKinds, SpanNames } from '../observability/span-names.ts';
import {
  decodePageEntry,
  readAllPages,
  type ReadAllPageEntry,
  type ReadAllPageRequest,
} from '../ports/read-all-pages.ts';
import {
  assertExpectedVersion,
  assertId,
  assertStreamArguments,
  streamIdOf,
  type AppendResult,
  type EventStore,
  type EventStoreCapabilities,
  type EventStream,
  type ExpectedVersion,
  type GetEventsByTypeOptions,
  type GetEventsOptions,
  type ReadAllOptions,
  type StoredEvent,
} from '../ports/event-store.ts';

export interface InMemoryEventStoreOptions extends TelemetryOptions, MetricsOptions {
  /** Where event types are looked up on read (default: the default registry). */
  readonly eventRegistry?: EventRegistry;
}

interface Row {
  readonly record: SerializedEvent;
  readonly streamId: string;
  readonly globalPosition: number;
  readonly storedAt: Date;
}

/**
 * An event store in process memory, for tests and the embedded demo. It stores events serialized,
 * exactly like the SQL stores, so a payload that would not survive a database does not survive
 * here either, and unknown event types fail on read the same way.
 */
export class InMemoryEventStore implements EventStore {
  readonly capabilities: EventStoreCapabilities = { appendNotifications: true };
  readonly #registry: EventRegistry;
  readonly #telemetry: EventStoreTelemetry;
  readonly #rows: Row[] = [];
  readonly #streams = new Map<string, Row[]>();
  readonly #eventIds = new Set<string>();
  readonly #listeners = new Set<() => void>();
  #closed = false;

  constructor(options: InMemoryEventStoreOptions = {}) {
    this.#registry = options.eventRegistry ?? defaultRegistry;
    this.#telemetry = new EventStoreTelemetry(
      {
        scope: '@eventsource/core',
        spanNames: SpanNames.inMemoryEventStore,
        kind: SpanKinds.internal,
        attributes: {},
      },
      options,
    );
  }

  appendEvents(
    aggregateId: string,
    aggregateType: string,
    events: readonly DomainEvent[],
    expectedVersion: ExpectedVersion,
  ): Promise<AppendResult> {
    return this.#telemetry.appendEvents(aggregateId, aggregateType, events, expectedVersion, (stamped) => {
      this.#assertOpen();
      const stream = this.#streams.get(streamKey(aggregateType, aggregateId)) ?? [];
      const fresh = stamped.filter((event) => !this.#eventIds.has(event.eventId));
      const currentVersion = stream.length;
      if (fresh.length === 0)
        return { nextVersion: currentVersion, lastPosition: this.#rows.length, written: 0 };
      assertExpectedVersion(aggregateId, aggregateType, expectedVersion, currentVersion);
      for (const event of fresh) validateEvent(event, this.#registry);
      const records = fresh.map((event, index) =>
        serializeEvent({ ...event, aggregateVersion: currentVersion + index + 1 }),
      );
      const streamId = streamIdOf(aggregateType, aggregateId);
      const storedAt = new Date();
      for (const record of records) {
        const row = { record, streamId, globalPosition: this.#rows.length + 1, storedAt };
        this.#rows.push(row);
        stream.push(row);
        this.#eventIds.add(record.eventId);
      }
      this.#streams.set(streamKey(aggregateType, aggregateId), stream);
      queueMicrotask(() => this.#notify());
      return { nextVersion: stream.length, lastPosition: this.#rows.length, written: records.length };
    });
  }

  getEvents(
    aggregateId: string,
    aggregateType: string,
    options: GetEventsOptions = {},
  ): Promise<EventStream> {
    const fromVersion = options.fromVersion ?? 0;
    return this.#telemetry.getEvents(aggregateId, aggregateType, fromVersion, () => {
      this.#assertOpen();
      const stream = this.#streams.get(streamKey(aggregateType, aggregateId)) ?? [];
      const events = stream.slice(fromVersion).map((row) => decodeStoredEvent(row.record, this.#registry));
      return { aggregateId, aggregateType, events, version: stream.length };
    });
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent> {
    return readAllPages(options, (request) =>
      this.#telemetry.readAllPage(request.fromPosition, request.limit, () => this.#readPage(request)),
    );
  }

  async getEventsByType(aggregateType: string, options: GetEventsByTypeOptions = {}): Promise<DomainEvent[]> {
    assertId('aggregateType', aggregateType);
    this.#assertOpen();
    return this.#rows
      .filter(
        (row) =>
          row.record.aggregateType === aggregateType &&
          (options.tenantId === undefined || row.record.tenantId === options.tenantId) &&
          (options.fromTimestamp === undefined || new Date(row.record.occurredAt) > options.fromTimestamp),
      )
      .map((row) => decodeStoredEvent(row.record, this.#registry));
  }

  async eventExists(eventId: string): Promise<boolean> {
    assertId('eventId', eventId);
    this.#assertOpen();
    return this.#eventIds.has(eventId);
  }

  async getStreamVersion(aggregateId: string, aggregateType: string): Promise<number> {
    assertStreamArguments(aggregateId, aggregateType);
    this.#assertOpen();
    return this.#streams.get(streamKey(aggregateType, aggregateId))?.length ?? 0;
  }

  async getGlobalPosition(): Promise<number> {
    this.#assertOpen();
    return this.#rows.length;
  }

  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #readPage({ fromPosition, limit, eventTypes, aggregateTypes }: ReadAllPageRequest): ReadAllPageEntry[] {
    this.#assertOpen();
    const page: ReadAllPageEntry[] = [];
    for (
      let index = Math.max(0, fromPosition);
      index < this.#rows.length && page.length < limit;
      index += 1
    ) {
      const row = this.#rows[index]!;
      if (eventTypes && !eventTypes.includes(row.record.eventType)) continue;
      if (aggregateTypes && !aggregateTypes.includes(row.record.aggregateType)) continue;
      page.push(decodePageEntry(row.record, this.#registry, row.globalPosition, row.storedAt));
    }
    return page;
  }

  #notify(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        logger.error({ error: errorTypeOf(error) }, 'append listener failed');
      }
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('InMemoryEventStore');
  }
}

const logger = getLogger(LoggerNames.storesMemory);

/** Map key of a stream; unlike `streamIdOf`, it cannot collide (`'a-b'`+`'c'` vs `'a'`+`'b-c'`). */
function streamKey(aggregateType: string, aggregateId: string): string {
  return `${aggregateType}\u0000${aggregateId}`;
}
