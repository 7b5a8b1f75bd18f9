import type { DomainEvent } from '../events/domain-event.ts';
import { AggregateNotFoundError, ConcurrencyError, InvalidArgumentError, errorTypeOf } from '../errors.ts';
import { getLogger, LoggerNames } from '../logging/logger.ts';
import {
  ATTR_AGGREGATE_CREATED,
  ATTR_AGGREGATE_ID,
  ATTR_AGGREGATE_TYPE,
  ATTR_EVENT_COUNT,
  ATTR_VERSION,
  expectedVersionAttributes,
} from '../observability/attributes.ts';
import { ComponentTracer, type TelemetryOptions } from '../observability/component-tracer.ts';
import { exceptionOf } from '../observability/exception-event.ts';
import { lazyInstruments, type MetricsOptions } from '../observability/metrics.ts';
import type { Span } from '../observability/otel-types.ts';
import { SpanNames } from '../observability/span-names.ts';
import type { EventPublisher, EventStore } from '../ports/event-store.ts';
import type { SnapshotStore } from '../ports/snapshot-store.ts';
import type { AggregateRoot } from './aggregate-root.ts';

export type SnapshotMode = 'sync' | 'background' | 'manual';

export interface AggregateRepositoryOptions<TAggregate extends AggregateRoot<unknown>>
  extends TelemetryOptions, MetricsOptions {
  readonly eventStore: EventStore;
  /** The aggregate class; `new aggregateFactory(id)` makes a new, empty aggregate. */
  readonly aggregateFactory: new (aggregateId: string) => TAggregate;
  /** Defaults to the factory's `aggregateType`. */
  readonly aggregateType?: string;
  readonly snapshotStore?: SnapshotStore;
  /** Take a snapshot each time a save crosses a multiple of this many versions. */
  readonly snapshotThreshold?: number;
  /** `sync` (default): the save waits for the snapshot; `background`: it does not; `manual`: only `createSnapshot`. */
  readonly snapshotMode?: SnapshotMode;
  /** Receives events after they are stored. Best effort: use an outbox when publishing must not be lost. */
  readonly eventPublisher?: EventPublisher;
}

export interface UpdateOptions {
  /** Attempts after the first when the save hits a concurrency conflict (default 3). */
  readonly maxRetries?: number;
  /** Create the aggregate when it does not exist yet (default false). */
  readonly createIfMissing?: boolean;
}

const SCOPE = '@eventsource/core';

/** Loads aggregates from their events (and snapshots) and saves their new events with optimistic concurrency. */
export class AggregateRepository<TAggregate extends AggregateRoot<unknown>> {
  readonly aggregateType: string;
  readonly #options: AggregateRepositoryOptions<TAggregate>;
  readonly #tracer: ComponentTracer;
  readonly #pendingSnapshots = new Set<Promise<void>>();
  readonly #logger = getLogger(LoggerNames.repository);
  readonly #instruments;

  constructor(options: AggregateRepositoryOptions<TAggregate>) {
    this.#options = options;
    this.aggregateType =
      options.aggregateType ?? new options.aggregateFactory('aggregate-type-probe').aggregateType;
    if (!this.aggregateType) {
      throw new InvalidArgumentError(
        'AggregateRepository: set aggregateType on the options or on the aggregate class',
      );
    }
    const threshold = options.snapshotThreshold;
    if (threshold !== undefined && (!Number.isInteger(threshold) || threshold < 1)) {
      throw new InvalidArgumentError(`snapshotThreshold must be a positive integer, got ${threshold}`);
    }
    if (threshold !== undefined && options.snapshotStore === undefined) {
      throw new InvalidArgumentError('snapshotThreshold needs a snapshotStore');
    }
    this.#tracer = ComponentTracer.from(SCOPE, options, true);
    this.#instruments = lazyInstruments(
      SCOPE,
      (meter) => ({
        conflicts: meter.createCounter('eventsource.repository.conflicts', {
          unit: '{conflict}',
          description: 'Saves rejected by optimistic concurrency',
        }),
      }),
      options,
    );
  }

  /** A new aggregate, not yet stored. */
  createNew(aggregateId: string): TAggregate {
    return new this.#options.aggregateFactory(aggregateId);
  }

  /** Loads the aggregate from its snapshot (when valid) and events. Throws {@link AggregateNotFoundError} when it has none. */
  load(aggregateId: string): Promise<TAggregate> {
    return this.#load(aggregateId, false);
  }

  /**
   * Loads the aggregate, or returns a new one when it does not exist. A missing aggregate is the
   * expected path here, not a failure: the load span ends OK with `eventsource.aggregate.created`.
   */
  loadOrCreate(aggregateId: string): Promise<TAggregate> {
    return this.#load(aggregateId, true);
  }

  exists(aggregateId: string): Promise<boolean> {
    return this.#tracer.run(
      SpanNames.repository.exists,
      { attributes: this.#attributes(aggregateId) },
      async (span) => {
        const version = await this.#options.eventStore.getStreamVersion(aggregateId, this.aggregateType);
        span?.setAttribute('eventsource.exists', version > 0);
        return version > 0;
      },
    );
  }

  /**
   * Appends the aggregate's pending events, expecting the stream to be at the version the aggregate
   * was loaded at. On conflict nothing is stored, the aggregate keeps its pending events and a
   * {@link ConcurrencyError} is thrown. Then publishes the events and takes a snapshot if due.
   */
  save(aggregate: TAggregate): Promise<void> {
    const events = aggregate.pendingEvents;
    if (events.length === 0) return Promise.resolve();
    const expectedVersion = aggregate.version - events.length;
    const attributes = {
      ...this.#attributes(aggregate.aggregateId),
      [ATTR_EVENT_COUNT]: events.length,
      ...expectedVersionAttributes(expectedVersion),
      [ATTR_VERSION]: aggregate.version,
    };
    return this.#tracer.run(SpanNames.repository.save, { attributes }, async (span) => {
      try {
        await this.#options.eventStore.appendEvents(
          aggregate.aggregateId,
          this.aggregateType,
          events,
          expectedVersion,
        );
      } catch (error) {
        if (error instanceof ConcurrencyError) {
          this.#instruments()?.conflicts.add(1, { [ATTR_AGGREGATE_TYPE]: this.aggregateType });
        }
        throw error;
      }
      aggregate.markCommitted();
      await this.#publish(events, span);
      await this.#maybeSnapshot(aggregate, expectedVersion);
    });
  }

  /**
   * Load, run `command`, save; on a concurrency conflict, reload and run it again (up to
   * `maxRetries` more times) with a short, jittered back-off. Returns the saved aggregate.
   */
  async update(
    aggregateId: string,
    command: (aggregate: TAggregate) => void | Promise<void>,
    options: UpdateOptions = {},
  ): Promise<TAggregate> {
    const maxRetries = options.maxRetries ?? 3;
    for (let attempt = 0; ; attempt += 1) {
      const aggregate = options.createIfMissing
        ? await this.loadOrCreate(aggregateId)
        : await this.load(aggregateId);
      await command(aggregate);
      try {
        await this.save(aggregate);
        return aggregate;
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= maxRetries) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
      }
    }
  }

  /** Stores a snapshot of the aggregate at its current version. */
  createSnapshot(aggregate: TAggregate): Promise<void> {
    const snapshotStore = this.#options.snapshotStore;
    if (snapshotStore === undefined) {
      return Promise.reject(new InvalidArgumentError('createSnapshot needs a snapshotStore'));
    }
    if (aggregate.hasPendingEvents) {
      // A snapshot of unsaved state would be loaded as if it were stored.
      return Promise.reject(
        new InvalidArgumentError('createSnapshot needs a saved aggregate: save its pending events first'),
      );
    }
    const attributes = { ...this.#attributes(aggregate.aggregateId), [ATTR_VERSION]: aggregate.version };
    return this.#tracer.run(SpanNames.repository.createSnapshot, { attributes }, () =>
      snapshotStore.saveSnapshot({
        aggregateId: aggregate.aggregateId,
        aggregateType: this.aggregateType,
        version: aggregate.version,
        state: aggregate.toSnapshotState(),
        schemaVersion: aggregate.schemaVersion,
        createdAt: new Date(),
      }),
    );
  }

  /** Waits for snapshots started in `background` mode. Returns how many were waited for. */
  async awaitPendingSnapshots(): Promise<number> {
    const pending = [...this.#pendingSnapshots];
    await Promise.allSettled(pending);
    return pending.length;
  }

  #load(aggregateId: string, createIfMissing: boolean): Promise<TAggregate> {
    return this.#tracer.run(
      SpanNames.repository.load,
      { attributes: () => this.#attributes(aggregateId) },
      async (span) => {
        const aggregate = await this.#rebuild(aggregateId, span);
        if (aggregate === undefined && !createIfMissing) {
          throw new AggregateNotFoundError(this.aggregateType, aggregateId);
        }
        if (createIfMissing) span?.setAttribute(ATTR_AGGREGATE_CREATED, aggregate === undefined);
        const loaded = aggregate ?? this.createNew(aggregateId);
        span?.setAttribute(ATTR_VERSION, loaded.version);
        return loaded;
      },
    );
  }

  async #rebuild(aggregateId: string, span: Span | undefined): Promise<TAggregate | undefined> {
    const aggregate = this.createNew(aggregateId);
    const snapshot = await this.#options.snapshotStore?.getSnapshot(aggregateId, this.aggregateType);
    let fromVersion = 0;
    if (snapshot !== undefined && snapshot.schemaVersion === aggregate.schemaVersion) {
      try {
        aggregate.restoreSnapshot(snapshot.state, snapshot.version);
        fromVersion = snapshot.version;
      } catch (error) {
        this.#logger.warn(
          { aggregate_id: aggregateId, error: errorTypeOf(error) },
          'snapshot restore failed; replaying all events',
        );
        return this.#replay(this.createNew(aggregateId), 0, span);
      }
    }
    span?.setAttributes({
      'eventsource.snapshot.used': fromVersion > 0,
      'eventsource.snapshot.version': fromVersion,
    });
    return this.#replay(aggregate, fromVersion, span);
  }

  async #replay(
    aggregate: TAggregate,
    fromVersion: number,
    span: Span | undefined,
  ): Promise<TAggregate | undefined> {
    const stream = await this.#options.eventStore.getEvents(aggregate.aggregateId, this.aggregateType, {
      fromVersion,
    });
    if (stream.version < fromVersion) {
      // The snapshot is ahead of the stored events (they were lost or never stored): trust the events.
      this.#logger.warn(
        {
          aggregate_id: aggregate.aggregateId,
          snapshot_version: fromVersion,
          stream_version: stream.version,
        },
        'snapshot is ahead of the events; replaying all events',
      );
      span?.setAttributes({ 'eventsource.snapshot.used': false, 'eventsource.snapshot.version': 0 });
      return this.#replay(this.createNew(aggregate.aggregateId), 0, span);
    }
    span?.setAttribute('eventsource.events.replayed', stream.events.length);
    if (fromVersion === 0 && stream.events.length === 0) return undefined;
    aggregate.loadFromHistory(stream.events);
    return aggregate;
  }

  async #publish(events: readonly DomainEvent[], span: Span | undefined): Promise<void> {
    const publisher = this.#options.eventPublisher;
    if (publisher === undefined) return;
    try {
      await publisher.publish(events);
    } catch (error) {
      // The events are stored; failing the save now would invite a duplicate retry.
      span?.recordException(exceptionOf(error));
      this.#logger.error(
        { error: errorTypeOf(error), event_count: events.length },
        'publishing saved events failed',
      );
    }
  }

  async #maybeSnapshot(aggregate: TAggregate, previousVersion: number): Promise<void> {
    const threshold = this.#options.snapshotThreshold;
    const mode = this.#options.snapshotMode ?? 'sync';
    if (threshold === undefined || mode === 'manual') return;
    if (Math.floor(aggregate.version / threshold) === Math.floor(previousVersion / threshold)) return;
    const snapshot = this.createSnapshot(aggregate).catch((error: unknown) => {
      this.#logger.warn(
        { aggregate_id: aggregate.aggregateId, error: errorTypeOf(error) },
        'snapshot failed',
      );
    });
    if (mode === 'sync') return snapshot;
    this.#pendingSnapshots.add(snapshot);
    void snapshot.finally(() => this.#pendingSnapshots.delete(snapshot));
  }

  #attributes(aggregateId: string) {
    return { [ATTR_AGGREGATE_ID]: aggregateId, [ATTR_AGGREGATE_TYPE]: this.aggregateType };
  }
}
