import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { defineEvent, EventRegistry, OutboxRelay, type DomainEvent } from '@eventsource/core';
import { SQLiteEventStore, SQLiteOutboxRepository } from '../src/index.ts';
import { captureLogs } from './capture-logs.ts';
import { tempDirectory } from './temp-database.ts';

const ItemPacked = defineEvent<{ item: string }>('ItemPacked', { aggregateType: 'Parcel' });
const ParcelLabelled = defineEvent<{ label: string }>('ParcelLabelled', { aggregateType: 'Parcel' });
const writerRegistry = new EventRegistry();
writerRegistry.register(ItemPacked);
writerRegistry.register(ParcelLabelled);

/** The relay's registry, one release behind the writer's: it does not know `ParcelLabelled`. */
const relayRegistry = new EventRegistry();
relayRegistry.register(ItemPacked);

interface OutboxRowState {
  readonly event_type: string;
  readonly status: string;
  readonly attempts: number;
  readonly last_error: string | null;
}

function rowsOf(database: Database.Database): OutboxRowState[] {
  return database
    .prepare('SELECT event_type, status, attempts, last_error FROM event_outbox ORDER BY position')
    .all() as OutboxRowState[];
}

function packed(parcelId: string, items: readonly string[]): DomainEvent[] {
  return items.map((item) => ItemPacked.create({ item }, { aggregateId: parcelId }));
}

describe('SQLiteOutboxRepository', () => {
  let logs: ReturnType<typeof captureLogs>;
  let directory: ReturnType<typeof tempDirectory>;
  beforeEach(() => {
    logs = captureLogs();
    directory = tempDirectory();
  });
  afterEach(() => {
    logs.restore();
    directory.remove();
  });

  describe('per-aggregate order', () => {
    it('claims all available rows of an aggregate together, in order', async () => {
      await using outbox = new SQLiteOutboxRepository({
        database: ':memory:',
        eventRegistry: writerRegistry,
      });
      await outbox.add([
        ...packed('parcel-a', ['1', '2']),
        ...packed('parcel-b', ['1']),
        ...packed('parcel-a', ['3']),
      ]);
      const claimed = await outbox.getPending({ limit: 10 });
      expect(
        claimed.map((entry) => `${entry.event.aggregateId}/${(entry.event.data as { item: string }).item}`),
      ).toEqual(['parcel-a/1', 'parcel-a/2', 'parcel-b/1', 'parcel-a/3']);
    });

    it('holds an aggregate back from a second process while the first holds its oldest row', async () => {
      const file = directory.path();
      await using first = new SQLiteOutboxRepository({ database: file, eventRegistry: writerRegistry });
      await using second = new SQLiteOutboxRepository({ database: file, eventRegistry: writerRegistry });
      await first.add([...packed('parcel-c', ['1', '2', '3']), ...packed('parcel-d', ['1'])]);
      const [oldest] = await first.getPending({ limit: 1, leaseMs: 150 });
      expect((oldest!.event.data as { item: string }).item).toBe('1');
      expect((await second.getPending({ limit: 10 })).map((entry) => entry.event.aggregateId)).toEqual([
        'parcel-d',
      ]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(
        (await second.getPending({ limit: 10 })).map((entry) => (entry.event.data as { item: string }).item),
      ).toEqual(['1', '2', '3']);
    });

    it('looks for an earlier row of the aggregate through an index, not a scan of the outbox', async () => {
      await using outbox = new SQLiteOutboxRepository({ database: ':memory:' });
      const plan = outbox.database
        .prepare(
          `EXPLAIN QUERY PLAN SELECT 1 FROM event_outbox AS earlier
           WHERE earlier.aggregate_id = ? AND earlier.aggregate_type = ?
             AND earlier.position < ? AND earlier.status = 'pending' AND earlier.available_at > ?`,
        )
        .all(1, 2, 3, 4) as { detail: string }[];
      expect(plan.map((step) => step.detail).join('\n')).toMatch(
        /USING COVERING INDEX event_outbox_aggregate_pending/,
      );
    });
  });

  describe('rows it cannot decode', () => {
    it('marks an event of a type the relay does not know failed, and the relay publishes the others', async () => {
      await using store = new SQLiteEventStore({
        database: ':memory:',
        eventRegistry: writerRegistry,
        outbox: true,
      });
      await using outbox = new SQLiteOutboxRepository({
        database: store.database,
        eventRegistry: relayRegistry,
      });
      await store.appendEvents('parcel-e', 'Parcel', packed('parcel-e', ['1']), 'no_stream');
      await store.appendEvents(
        'parcel-e',
        'Parcel',
        [ParcelLabelled.create({ label: 'fragile' }, { aggregateId: 'parcel-e' })],
        1,
      );
      await store.appendEvents('parcel-e', 'Parcel', packed('parcel-e', ['2']), 2);
      await store.appendEvents('parcel-f', 'Parcel', packed('parcel-f', ['1']), 'no_stream');
      const published: string[] = [];
      const relay = new OutboxRelay({
        outbox,
        publisher: {
          publish: async (events) =>
            void published.push(...events.map((event) => `${event.aggregateId}/${event.eventType}`)),
        },
      });
      expect(await relay.runOnce()).toBe(3);
      expect(await relay.runOnce()).toBe(0);
      expect(published).toEqual(['parcel-e/ItemPacked', 'parcel-e/ItemPacked', 'parcel-f/ItemPacked']);
      expect(rowsOf(store.database)).toEqual([
        { event_type: 'ItemPacked', status: 'published', attempts: 0, last_error: null },
        {
          event_type: 'ParcelLabelled',
          status: 'failed',
          attempts: 1,
          last_error: expect.stringMatching(/^EventTypeNotFoundError: .*ParcelLabelled/),
        },
        { event_type: 'ItemPacked', status: 'published', attempts: 0, last_error: null },
        { event_type: 'ItemPacked', status: 'published', attempts: 0, last_error: null },
      ]);
      expect(await outbox.countPending()).toBe(0);
      expect(logs.records).toContainEqual({
        level: 'warn',
        fields: {
          logger: 'eventsource.stores.sqlite',
          outbox_id: expect.any(String),
          'eventsource.event.type': 'ParcelLabelled',
          error: 'EventTypeNotFoundError',
        },
        message: 'outbox row cannot be decoded; marked failed',
      });
    });

    it('marks rows failed whose upcaster throws or whose JSON is corrupt, and returns the rest', async () => {
      const PriceSetV1 = defineEvent<{ cents: number }>('PriceSet', { aggregateType: 'Product' });
      const PriceSetV2 = defineEvent<{ amount: number }>('PriceSet', {
        aggregateType: 'Product',
        version: 2,
        upcasters: {
          1: () => {
            throw new TypeError('cannot upcast');
          },
        },
      });
      const writer = new EventRegistry();
      writer.register(PriceSetV1);
      writer.register(ItemPacked);
      const reader = new EventRegistry();
      reader.register(PriceSetV2);
      reader.register(ItemPacked);
      const database = new Database(':memory:');
      try {
        await using writing = new SQLiteOutboxRepository({ database, eventRegistry: writer });
        await using reading = new SQLiteOutboxRepository({ database, eventRegistry: reader });
        await writing.add([
          PriceSetV1.create({ cents: 100 }, { aggregateId: 'product-1' }),
          ...packed('parcel-g', ['1', '2']),
        ]);
        database.prepare(`UPDATE event_outbox SET event = '{not json' WHERE position = 3`).run();
        const claimed = await reading.getPending({ limit: 10 });
        expect(claimed.map((entry) => entry.event.aggregateId)).toEqual(['parcel-g']);
        expect(
          rowsOf(database).map((row) => [row.status, row.attempts, row.last_error?.split(':')[0] ?? null]),
        ).toEqual([
          ['failed', 1, 'TypeError'],
          ['pending', 0, null],
          ['failed', 1, expect.any(String)],
        ]);
        expect(await reading.getPending({ limit: 10 })).toEqual([]);
      } finally {
        database.close();
      }
    });
  });
});
