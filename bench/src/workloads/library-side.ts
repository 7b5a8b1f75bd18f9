import {
  AggregateRepository,
  type EventStore,
  type SnapshotStore,
  type StoredEvent,
} from '@eventsource/core';
import {
  AGGREGATE_TYPE,
  BenchAggregate,
  DidSomething,
  payload,
  streamEvents,
  type CounterState,
  type DidSomethingData,
} from '../domain.ts';
import type { Operation, RunContext } from '../measure.ts';
import type { TracingMode } from '../tracing.ts';

export const LOAD_EVENTS = 1000;
export const SNAPSHOT_VERSION = 990;
export const LOAD_STREAMS = 4;
export const PAGE_SIZE = 1000;
export const BATCH_SIZE = 100;

/** A store and its snapshot store, each once with tracing off and once with it on. */
export interface StoresUnderTest {
  readonly stores: { readonly off: EventStore; readonly on: EventStore };
  readonly snapshotStores: { readonly off: SnapshotStore; readonly on: SnapshotStore };
}

export type LibrarySide = ReturnType<typeof librarySide>;

/**
 * The library side of the store workloads, shared by every store suite so that each store is
 * measured doing exactly the same work; only the raw side is written per driver.
 */
export function librarySide(subject: StoresUnderTest, runId: string) {
  const storeFor = (mode: TracingMode): EventStore =>
    mode === 'off' ? subject.stores.off : subject.stores.on;
  const repository = (mode: TracingMode, withSnapshots: boolean) =>
    new AggregateRepository({
      eventStore: storeFor(mode),
      aggregateFactory: BenchAggregate,
      enableTracing: mode !== 'off',
      ...(withSnapshots
        ? { snapshotStore: mode === 'off' ? subject.snapshotStores.off : subject.snapshotStores.on }
        : {}),
    });
  const repositories = {
    plain: { off: repository('off', false), api: repository('api', false), sdk: repository('sdk', false) },
    snapshot: { off: repository('off', true), api: repository('api', true), sdk: repository('sdk', true) },
  };
  const loadStreams = Array.from({ length: LOAD_STREAMS }, (_, index) => `${runId}-load-${index}`);
  let loadSeeding: Promise<void> | undefined;

  return {
    /** The load workloads' streams; operation `index` loads `loadStream(index)`. */
    loadStream: (index: number): string => loadStreams[index % LOAD_STREAMS]!,

    /** Seeds the load streams once: 1,000 events each and a snapshot at 990. */
    seedLoad: (): Promise<void> => (loadSeeding ??= seedLoadStreams(subject, loadStreams)),

    /** Appends `events` events in new streams for the catch-up; returns the position before them. */
    async seedCatchUp(events: number): Promise<number> {
      const fromPosition = await subject.stores.off.getGlobalPosition();
      for (let stream = 0; stream < events / BATCH_SIZE; stream += 1) {
        const aggregateId = `${runId}-catchup-${stream}`;
        await subject.stores.off.appendEvents(
          aggregateId,
          AGGREGATE_TYPE,
          streamEvents(aggregateId, BATCH_SIZE),
          'no_stream',
        );
      }
      return fromPosition;
    },

    /** Appends one event to a new stream. */
    appendOne(mode: TracingMode, run: RunContext): Operation {
      const store = storeFor(mode);
      return (index) => {
        const aggregateId = `${run.prefix}-${index}`;
        return store.appendEvents(
          aggregateId,
          AGGREGATE_TYPE,
          [DidSomething.create(payload(index), { aggregateId })],
          'no_stream',
        );
      };
    },

    /** Appends a batch of `BATCH_SIZE` events to a new stream. */
    appendBatch(mode: TracingMode, run: RunContext): Operation {
      const store = storeFor(mode);
      return (index) => {
        const aggregateId = `${run.prefix}-${index}`;
        return store.appendEvents(
          aggregateId,
          AGGREGATE_TYPE,
          streamEvents(aggregateId, BATCH_SIZE),
          'no_stream',
        );
      };
    },

    /** Loads a seeded aggregate through the repository, with or without its snapshot. */
    load(mode: TracingMode, withSnapshot: boolean): Operation {
      const loader = repositories[withSnapshot ? 'snapshot' : 'plain'][mode];
      return async (index) =>
        expectCount((await loader.load(loadStreams[index % LOAD_STREAMS]!)).state, LOAD_EVENTS);
    },

    /** Reads the catch-up events page by page through `readAll`. */
    catchUp: (mode: TracingMode, fromPosition: number, events: number): Operation =>
      catchUpPages(storeFor(mode).readAll({ fromPosition, pageSize: PAGE_SIZE, limit: events }), PAGE_SIZE),
  };
}

/** Fails the run when a load folded the wrong number of events. */
export function expectCount(state: CounterState, expected: number): void {
  if (state.count !== expected) throw new Error(`loaded ${state.count} events, expected ${expected}`);
}

/**
 * An operation that takes the next `pageSize` events from a `readAll` iterator (one page). Each
 * run gets a fresh iterator from `prepare`, so every run reads the same events.
 */
function catchUpPages(events: AsyncIterable<StoredEvent>, pageSize: number): Operation {
  const iterator = events[Symbol.asyncIterator]();
  return async () => {
    let checksum = 0;
    for (let index = 0; index < pageSize; index += 1) {
      const next = await iterator.next();
      if (next.done === true) throw new Error('the catch-up ended early');
      checksum += (next.value.event.data as DidSomethingData).id;
    }
    return checksum;
  };
}

async function seedLoadStreams(subject: StoresUnderTest, streams: readonly string[]): Promise<void> {
  for (const aggregateId of streams) {
    for (let first = 1; first <= LOAD_EVENTS; first += BATCH_SIZE) {
      await subject.stores.off.appendEvents(
        aggregateId,
        AGGREGATE_TYPE,
        streamEvents(aggregateId, BATCH_SIZE, first),
        first - 1,
      );
    }
    await subject.snapshotStores.off.saveSnapshot({
      aggregateId,
      aggregateType: AGGREGATE_TYPE,
      version: SNAPSHOT_VERSION,
      state: { count: SNAPSHOT_VERSION, lastId: SNAPSHOT_VERSION - 1 },
      schemaVersion: 1,
      createdAt: new Date(),
    });
  }
}
