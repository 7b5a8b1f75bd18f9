import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  AuthenticationError,
  DatabaseNotFoundError,
  defineEvent,
  EventRegistry,
  InvalidArgumentError,
  noRetry,
  SubscriptionRunner,
  type DomainEvent,
} from '@eventsource/core';
import { captureTelemetry, type TelemetryCapture } from '@eventsource/testing';
import { payload } from '../../core/test/payload-arbitrary.ts';
import {
  PostgreSQLCheckpointRepository,
  PostgreSQLDLQRepository,
  PostgreSQLEventStore,
} from '../src/index.ts';
import { createPool, dropSchema, postgresUrl, randomSchema } from './support/database.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

const NoteTaken = defineEvent<unknown, 'NoteTaken'>('NoteTaken', { aggregateType: 'Note' });
const registry = new EventRegistry();
registry.register(NoteTaken);

async function append(store: PostgreSQLEventStore, id: string, data: unknown): Promise<DomainEvent> {
  const event = NoteTaken.create(data, { aggregateId: id });
  await store.appendEvents(id, 'Note', [event], 'no_stream');
  return event;
}

describe('PostgreSQLEventStore stored encoding and driver errors', () => {
  const pool = createPool({ max: 4 });
  const schema = randomSchema();
  let store: PostgreSQLEventStore;
  let telemetry: TelemetryCapture;

  beforeAll(async () => {
    telemetry = captureTelemetry();
    store = await PostgreSQLEventStore.create({
      pool,
      schema,
      eventRegistry: registry,
      notifications: false,
    });
  });
  afterAll(async () => {
    await store.close();
    await dropSchema(pool, schema);
    await pool.end();
    await telemetry.shutdown();
  });

  it('round-trips any payload, whatever its keys, through JSONB (property)', async () => {
    let count = 0;
    await fc.assert(
      fc.asyncProperty(payload, async (data) => {
        // JSONB holds no NUL character (a payload with one is refused: see below).
        fc.pre(
          !JSON.stringify(data, (_key, value: unknown) => (typeof value === 'bigint' ? 0 : value)).includes(
            '\\u0000',
          ),
        );
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
      { numRuns: 150 },
    );
  }, 60_000);

  it('reads rows written by the earlier encoder: tag-shaped user objects come back as they were', async () => {
    await append(store, 'legacy-1', { placeholder: true });
    await pool.query(`UPDATE "${schema}".events SET data = $1::jsonb WHERE aggregate_id = 'legacy-1'`, [
      '{"note":{"$bigint":"12x"},"when":{"$date":"not a date"},"at":{"$date":"2026-01-01T00:00:00.000Z"}}',
    ]);
    expect((await store.getEvents('legacy-1', 'Note')).events[0]!.data).toEqual({
      note: { $bigint: '12x' },
      when: { $date: 'not a date' },
      at: new Date('2026-01-01T00:00:00.000Z'),
    });
  });

  it('a runner dead-letters an event it cannot decode in raw form and goes on; the DLQ lists it', async () => {
    const strictRegistry = new EventRegistry();
    let accepting = true;
    const Strict = defineEvent<{ text: string }, 'StrictNote'>('StrictNote', {
      aggregateType: 'Note',
      schema: {
        '~standard': {
          version: 1,
          vendor: 'test',
          validate: (value) =>
            accepting ? { value: value as { text: string } } : { issues: [{ message: 'refused' }] },
        },
      },
    });
    strictRegistry.register(NoteTaken);
    strictRegistry.register(Strict);
    const strictStore = new PostgreSQLEventStore({
      pool,
      schema,
      eventRegistry: strictRegistry,
      notifications: false,
    });
    const start = await strictStore.getGlobalPosition();
    await append(strictStore, 'runner-a', { n: 1 });
    const poison = Strict.create({ text: 'stored' }, { aggregateId: 'runner-poison' });
    await strictStore.appendEvents('runner-poison', 'Note', [poison], 'no_stream');
    await append(strictStore, 'runner-b', { n: 2 });
    accepting = false;

    const dlq = new PostgreSQLDLQRepository({ pool, schema, eventRegistry: strictRegistry });
    const handled: string[] = [];
    const runner = new SubscriptionRunner({
      name: `notes-${schema}`,
      eventStore: strictStore,
      checkpointRepository: new PostgreSQLCheckpointRepository({ pool, schema }),
      dlqRepository: dlq,
      startFrom: start,
      retryPolicy: noRetry,
      subscriber: async (event: DomainEvent) => void handled.push(event.aggregateId),
    });
    try {
      await runner.start();
      expect(runner.state).toBe('live');
      expect(handled).toEqual(['runner-a', 'runner-b']);
      const [entry] = await dlq.list({ consumerName: `notes-${schema}` });
      expect(entry).toMatchObject({ eventId: poison.eventId, event: null, errorType: 'EventDecodingError' });
      expect(JSON.parse(entry!.raw!.data)).toEqual({ text: 'stored' });
    } finally {
      await runner.stop();
      await strictStore.close();
    }
  });

  it('refuses payloads JSONB cannot hold (lone surrogate, NUL) with InvalidArgumentError, writing nothing', async () => {
    for (const [label, text] of [
      ['surrogate', 'x\ud800'],
      ['nul', 'x\u0000'],
    ] as const) {
      const id = `bad-payload-${label}`;
      const error = await append(store, id, { text }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(await store.getStreamVersion(id, 'Note')).toBe(0);
      const span = telemetry
        .spansNamed('postgresql_event_store.append_events')
        .find((candidate) => candidate.attributes['eventsource.aggregate.id'] === id);
      expect(span?.attributes['error.type']).toBe('InvalidArgumentError');
    }
  });

  it('reports a wrong password and an unknown database with typed errors on the span, never the password', async () => {
    const password = `wrong-${randomBytes(8).toString('hex')}`;
    const wrongPassword = new URL(postgresUrl);
    wrongPassword.password = password;
    const missingDatabase = new URL(postgresUrl);
    missingDatabase.pathname = `/es_missing_${randomBytes(6).toString('hex')}`;
    for (const [url, type] of [
      [wrongPassword, AuthenticationError],
      [missingDatabase, DatabaseNotFoundError],
    ] as const) {
      const badPool = createPool({ connectionString: url.toString(), max: 1 });
      const badStore = new PostgreSQLEventStore({
        pool: badPool,
        schema,
        eventRegistry: registry,
        notifications: false,
      });
      try {
        const aggregateId = `unreachable-${randomBytes(4).toString('hex')}`;
        const error = await badStore.getEvents(aggregateId, 'Note').catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(type);
        const span = telemetry
          .spansNamed('postgresql_event_store.get_events')
          .find((candidate) => candidate.attributes['eventsource.aggregate.id'] === aggregateId);
        expect(span?.attributes['error.type']).toBe(type.name);
        expect(
          JSON.stringify({ message: (error as Error).message, span: span?.attributes, events: span?.events }),
        ).not.toContain(password);
      } finally {
        await badStore.close();
        await badPool.end();
      }
    }
  });
});
