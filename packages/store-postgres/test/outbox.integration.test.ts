import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  ConcurrencyError,
  defineEvent,
  EventRegistry,
  OutboxRelay,
  type DomainEvent,
  type EventPublisher,
} from '@eventsource/core';
import { PostgreSQLEventStore, PostgreSQLOutboxRepository } from '../src/index.ts';
import { createPool, dropSchema, randomSchema } from './support/database.ts';
import { Deposited, deposits, registry } from './support/fixtures.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';

const Renamed = defineEvent<{ name: string }, 'Renamed'>('Renamed', { aggregateType: 'Account' });
const writerRegistry = new EventRegistry();
writerRegistry.register(Deposited);
writerRegistry.register(Renamed);

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

describe('transactional outbox', () => {
  const pool = createPool({ max: 12 });
  const schema = randomSchema();
  let store: PostgreSQLEventStore;
  let outbox: PostgreSQLOutboxRepository;

  beforeAll(async () => {
    store = await PostgreSQLEventStore.create({ pool, schema, eventRegistry: registry, outbox: true });
    outbox = new PostgreSQLOutboxRepository({ pool, schema, eventRegistry: registry });
  });

  afterAll(async () => {
    await outbox.close();
    await store.close();
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('writes one outbox row per stored event in the append transaction, and none when the append fails', async () => {
    const aggregateId = `outboxed-${schema}`;
    const events = deposits(aggregateId, 3);
    const before = await outbox.countPending();
    await store.appendEvents(aggregateId, 'Account', events, 'no_stream');
    expect(await outbox.countPending()).toBe(before + 3);
    // A conflicting append and a retried (already stored) append add nothing.
    await expect(
      store.appendEvents(aggregateId, 'Account', deposits(aggregateId, 1, 4), 1),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    await store.appendEvents(aggregateId, 'Account', events, 'no_stream');
    expect(await outbox.countPending()).toBe(before + 3);
    const claimed = await outbox.getPending({ limit: 100 });
    const ours = claimed.filter((entry) => entry.event.aggregateId === aggregateId);
    expect(ours.map((entry) => [entry.event.eventId, entry.event.aggregateVersion])).toEqual(
      events.map((event, index) => [event.eventId, index + 1]),
    );
    expect(ours[0]!.event.data).toEqual(events[0]!.data);
    await outbox.markPublished(claimed.map((entry) => entry.id));
  });

  it('lets several relays run at once: every event is published exactly once', async () => {
    const published: DomainEvent[] = [];
    const publisher: EventPublisher = {
      async publish(batch) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        published.push(...batch);
      },
    };
    const appended: string[] = [];
    for (let stream = 0; stream < 10; stream += 1) {
      const events = deposits(`relayed-${stream}-${schema}`, 10);
      await store.appendEvents(`relayed-${stream}-${schema}`, 'Account', events, 'no_stream');
      appended.push(...events.map((event) => event.eventId));
    }
    const relays = Array.from(
      { length: 4 },
      () => new OutboxRelay({ outbox, publisher, batchSize: 7, maxPollIntervalMs: 20, enableTracing: false }),
    );
    for (const relay of relays) relay.start();
    const deadline = Date.now() + 10_000;
    while ((await outbox.countPending()) > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all(relays.map((relay) => relay.stop()));
    const ids = published.map((event) => event.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(appended));
    expect(await outbox.countPending()).toBe(0);
  }, 30_000);

  it('refuses unknown or malformed ids with NotFoundError and marks nothing', async () => {
    await outbox.add(deposits(`manual-${schema}`, 1));
    const [entry] = await outbox.getPending({ limit: 1 });
    await expect(outbox.markPublished([entry!.id, '999999999'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(outbox.markPublished(['1; DROP TABLE x'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(outbox.markFailed('not-an-id', 'x', null)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await outbox.countPending()).toBe(1);
    await outbox.markPublished([entry!.id]);
    expect(await outbox.countPending()).toBe(0);
  }, 30_000);
});

describe('outbox ordering and undecodable rows', () => {
  const pool = createPool({ max: 12 });
  let schema: string;
  let store: PostgreSQLEventStore;

  beforeEach(async () => {
    schema = randomSchema();
    store = await PostgreSQLEventStore.create({ pool, schema, eventRegistry: writerRegistry, outbox: true });
  });

  afterEach(async () => {
    await store.close();
    await dropSchema(pool, schema);
  });

  afterAll(async () => {
    await pool.end();
  });

  it('publishes every aggregate in version order with four relays claiming at once', async () => {
    const outbox = new PostgreSQLOutboxRepository({ pool, schema, eventRegistry: writerRegistry });
    const seen = new Map<string, number[]>();
    const publisher: EventPublisher = {
      async publish(batch) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
        for (const event of batch)
          seen.set(event.aggregateId, [...(seen.get(event.aggregateId) ?? []), event.aggregateVersion]);
      },
    };
    // Three long streams, appended a few events at a time so their rows interleave.
    for (let round = 0; round < 5; round += 1) {
      for (let stream = 0; stream < 3; stream += 1) {
        const aggregateId = `ordered-${stream}`;
        await store.appendEvents(aggregateId, 'Account', deposits(aggregateId, 4, round * 4 + 1), round * 4);
      }
    }
    const relays = Array.from(
      { length: 4 },
      () => new OutboxRelay({ outbox, publisher, batchSize: 3, maxPollIntervalMs: 10, enableTracing: false }),
    );
    for (const relay of relays) relay.start();
    const deadline = Date.now() + 10_000;
    while ((await outbox.countPending()) > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all(relays.map((relay) => relay.stop()));
    const everyVersion = Array.from({ length: 20 }, (_, index) => index + 1);
    expect([...seen.keys()].sort()).toEqual(['ordered-0', 'ordered-1', 'ordered-2']);
    for (const versions of seen.values()) expect(versions).toEqual(everyVersion);
    await outbox.close();
  }, 30_000);

  it('marks a row it cannot decode failed and publishes the others', async () => {
    // The relay runs a release behind the writer: it does not know `Renamed` yet.
    const relayRegistry = new EventRegistry();
    relayRegistry.register(Deposited);
    const outbox = new PostgreSQLOutboxRepository({ pool, schema, eventRegistry: relayRegistry });
    await store.appendEvents(
      'renamed',
      'Account',
      [Renamed.create({ name: 'new' }, { aggregateId: 'renamed' })],
      'no_stream',
    );
    for (let stream = 0; stream < 3; stream += 1)
      await store.appendEvents(`plain-${stream}`, 'Account', deposits(`plain-${stream}`, 2), 'no_stream');
    const published: DomainEvent[] = [];
    const relay = new OutboxRelay({
      outbox,
      publisher: { publish: async (batch) => void published.push(...batch) },
      enableTracing: false,
    });
    expect(await relay.runOnce()).toBe(6);
    expect(published.map((event) => `${event.aggregateId}@${event.aggregateVersion}`).sort()).toEqual([
      'plain-0@1',
      'plain-0@2',
      'plain-1@1',
      'plain-1@2',
      'plain-2@1',
      'plain-2@2',
    ]);
    expect(await outbox.countPending()).toBe(0);
    expect(await outbox.getPending({ limit: 10 })).toEqual([]);
    const failed = await pool.query(
      `SELECT event_type, status, attempts, last_error FROM "${schema}".event_outbox WHERE status <> 'published'`,
    );
    expect(failed.rows).toEqual([
      {
        event_type: 'Renamed',
        status: 'failed',
        attempts: 1,
        last_error: expect.stringContaining('Renamed'),
      },
    ]);
    await outbox.close();
  }, 30_000);
});
