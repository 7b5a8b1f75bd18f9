import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import {
  defineEvent,
  EventDecodingError,
  EventRegistry,
  noRetry,
  SerializationError,
  SubscriptionRunner,
  type DomainEvent,
  type StoredEvent,
} from '@eventsource/core';
import { payload } from '../../core/test/payload-arbitrary.ts';
import { SQLiteCheckpointRepository, SQLiteDLQRepository, SQLiteEventStore } from '../src/index.ts';

const NoteTaken = defineEvent<unknown, 'NoteTaken'>('NoteTaken', { aggregateType: 'Note' });

function registry(): EventRegistry {
  const events = new EventRegistry();
  events.register(NoteTaken);
  return events;
}

async function append(store: SQLiteEventStore, id: string, data: unknown): Promise<DomainEvent> {
  const event = NoteTaken.create(data, { aggregateId: id });
  await store.appendEvents(id, 'Note', [event], 'no_stream');
  return event;
}

describe('SQLiteEventStore stored encoding', () => {
  let database: Database.Database;
  let store: SQLiteEventStore;
  beforeEach(() => {
    database = new Database(':memory:');
    store = new SQLiteEventStore({ database, eventRegistry: registry() });
  });
  afterEach(async () => {
    await store.close();
    database.close();
  });

  it('round-trips any payload, whatever its keys, through getEvents and readAll (property)', async () => {
    let count = 0;
    await fc.assert(
      fc.asyncProperty(payload, async (data) => {
        count += 1;
        const id = `note-${count}`;
        const before = await store.getGlobalPosition();
        await append(store, id, data);
        expect((await store.getEvents(id, 'Note')).events[0]!.data).toEqual(data);
        // A shrinking run appends again; only this run's event is compared.
        const read: unknown[] = [];
        for await (const stored of store.readAll({ fromPosition: before }))
          if (stored.event.aggregateId === id) read.push(stored.event.data);
        expect(read).toEqual([data]);
      }),
      { numRuns: 300 },
    );
  });

  it('reads rows written by the earlier encoder: tag-shaped user objects come back as they were', async () => {
    await append(store, 'legacy-1', { placeholder: true });
    // The earlier encoder stored these user objects unescaped; reading them used to throw or corrupt.
    database
      .prepare('UPDATE events SET data = ? WHERE aggregate_id = ?')
      .run(
        '{"note":{"$bigint":"12x"},"when":{"$date":"not a date"},"at":{"$date":"2026-01-01T00:00:00.000Z"}}',
        'legacy-1',
      );
    expect((await store.getEvents('legacy-1', 'Note')).events[0]!.data).toEqual({
      note: { $bigint: '12x' },
      when: { $date: 'not a date' },
      at: new Date('2026-01-01T00:00:00.000Z'),
    });
  });

  it('names a torn row, delivers the rows around it, and a runner dead-letters it raw and goes on', async () => {
    for (const id of ['a', 'torn', 'b']) await append(store, id, { id });
    database.prepare(`UPDATE events SET data = '{torn' WHERE aggregate_id = 'torn'`).run();

    const seen: StoredEvent[] = [];
    const error = await (async () => {
      for await (const stored of store.readAll()) seen.push(stored);
    })().catch((caught: unknown) => caught);
    expect(seen.map((stored) => stored.event.aggregateId)).toEqual(['a']);
    expect(error).toBeInstanceOf(EventDecodingError);
    expect(error).toMatchObject({ aggregateId: 'torn', globalPosition: 2, streamPosition: 1 });
    expect((error as Error).cause).toBeInstanceOf(SerializationError);
    expect((error as Error).message).not.toMatch(/^SyntaxError/);

    await using dlq = new SQLiteDLQRepository({ database });
    await using checkpoints = new SQLiteCheckpointRepository({ database });
    const handled: string[] = [];
    const runner = new SubscriptionRunner({
      name: 'notes',
      eventStore: store,
      checkpointRepository: checkpoints,
      dlqRepository: dlq,
      retryPolicy: noRetry,
      subscriber: async (event: DomainEvent) => void handled.push(event.aggregateId),
    });
    await runner.start();
    expect(runner.state).toBe('live');
    expect(handled).toEqual(['a', 'b']);
    const [entry] = await dlq.list({ consumerName: 'notes' });
    expect(entry).toMatchObject({ event: null, globalPosition: 2, errorType: 'EventDecodingError' });
    expect(entry!.raw).toMatchObject({ aggregateId: 'torn', data: '{torn' });
    await runner.stop();
  });
});
