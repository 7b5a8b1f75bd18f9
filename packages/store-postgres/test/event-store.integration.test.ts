import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  ClosedError,
  defineEvent,
  EventDecodingError,
  EventRegistry,
  EventTypeNotFoundError,
  type StoredEvent,
} from '@eventsource/core';
import { getOpenTelemetryApi } from '@eventsource/core/observability';
import { captureTelemetry, sumOf, type TelemetryCapture } from '@eventsource/testing';
import { PostgreSQLEventStore } from '../src/index.ts';
import { createPool, dropSchema, postgresUrl, randomSchema } from './support/database.ts';
import { deposits, registry } from './support/fixtures.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

async function collect(iterable: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> {
  const items: StoredEvent[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

const server = new URL(postgresUrl);
const DB_ATTRIBUTES = {
  'db.system': 'postgresql',
  'db.system.name': 'postgresql',
  'db.name': server.pathname.slice(1),
  'db.namespace': server.pathname.slice(1),
  'db.collection.name': 'events',
  'server.address': server.hostname,
  'server.port': Number(server.port || 5432),
};

describe('PostgreSQLEventStore', () => {
  const pool = createPool();
  const schema = randomSchema();
  let telemetry: TelemetryCapture;
  let store: PostgreSQLEventStore;

  beforeAll(async () => {
    telemetry = captureTelemetry();
    store = await PostgreSQLEventStore.create({ pool, schema, eventRegistry: registry });
  });
  beforeEach(() => telemetry.reset());
  afterAll(async () => {
    await store.close();
    await telemetry.shutdown();
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('emits CLIENT spans with the database attributes, and never the credentials', async () => {
    const api = getOpenTelemetryApi()!;
    const aggregateId = `traced-${schema}`;
    await api.trace.getTracer('test').startActiveSpan('request', async (request) => {
      await store.appendEvents(aggregateId, 'Account', deposits(aggregateId, 3), 'no_stream');
      await store.getEvents(aggregateId, 'Account');
      await collect(store.readAll({ pageSize: 2 }));
      request.end();
    });
    const append = telemetry.span('postgresql_event_store.append_events');
    const getEvents = telemetry.span('postgresql_event_store.get_events');
    const readAll = telemetry.spansNamed('postgresql_event_store.read_all');
    expect(readAll.length).toBeGreaterThanOrEqual(2);
    for (const span of [append, getEvents, ...readAll]) {
      expect(span.kind).toBe(api.SpanKind.CLIENT);
      expect(span.attributes).toMatchObject(DB_ATTRIBUTES);
      expect(span.parentSpanContext?.spanId).toBe(telemetry.span('request').spanContext().spanId);
      expect(Object.keys(span.attributes).filter((key) => /user|password|connection|url/i.test(key))).toEqual(
        [],
      );
      expect(JSON.stringify(span.attributes)).not.toContain(`${server.username}:${server.password}@`);
      expect(JSON.stringify(span.attributes)).not.toContain('postgres://');
    }
    expect(append.attributes).toMatchObject({
      'db.operation.name': 'append_events',
      'eventsource.aggregate.id': aggregateId,
      'eventsource.event.count': 3,
      'eventsource.version': 3,
    });
    expect(getEvents.attributes).toMatchObject({
      'db.operation.name': 'get_events',
      'eventsource.event.count': 3,
    });
    expect(readAll[0]!.attributes).toMatchObject({
      'db.operation.name': 'read_all',
      'eventsource.batch.size': 2,
      'eventsource.event.count': 2,
    });
    const appended = await telemetry.metric('eventsource.events.appended');
    expect(sumOf(appended, { 'db.system.name': 'postgresql' })).toBeGreaterThanOrEqual(3);
  });

  it('persists the append span trace context in every stored event, written in W3C form', async () => {
    const aggregateId = `context-${schema}`;
    await getOpenTelemetryApi()!
      .trace.getTracer('test')
      .startActiveSpan('request', async (request) => {
        await store.appendEvents(aggregateId, 'Account', deposits(aggregateId, 2), 'no_stream');
        request.end();
      });
    const { traceId, spanId } = telemetry.span('postgresql_event_store.append_events').spanContext();
    const stored = await pool.query<{ metadata: Record<string, unknown> }>(
      `SELECT metadata FROM "${schema}".events WHERE aggregate_id = $1`,
      [aggregateId],
    );
    expect(stored.rows.map((row) => row.metadata.traceparent)).toEqual([
      `00-${traceId}-${spanId}-01`,
      `00-${traceId}-${spanId}-01`,
    ]);
    expect(stored.rows.every((row) => row.metadata.baggage === undefined)).toBe(true);
  });

  it('records a failed append on its span with the error type', async () => {
    const aggregateId = `failing-${schema}`;
    await store.appendEvents(aggregateId, 'Account', deposits(aggregateId, 1), 'no_stream');
    await expect(
      store.appendEvents(aggregateId, 'Account', deposits(aggregateId, 1, 2), 'no_stream'),
    ).rejects.toThrow();
    const failed = telemetry.spansNamed('postgresql_event_store.append_events').at(-1)!;
    expect(failed.status.code).toBe(2);
    expect(failed.attributes['error.type']).toBe('ConcurrencyError');
  });

  it('gives EventDecodingError (cause EventTypeNotFoundError) when a stored event type is not registered with the reader', async () => {
    const aggregateId = `unknown-${schema}`;
    await store.appendEvents(aggregateId, 'Account', deposits(aggregateId, 1), 'no_stream');
    const stranger = new PostgreSQLEventStore({
      pool,
      schema,
      eventRegistry: new EventRegistry(),
      notifications: false,
    });
    try {
      const error = await stranger.getEvents(aggregateId, 'Account').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EventDecodingError);
      expect((error as Error).cause).toBeInstanceOf(EventTypeNotFoundError);
      await expect(collect(stranger.readAll())).rejects.toMatchObject({
        eventType: 'Deposited',
        globalPosition: expect.any(Number),
      });
      await expect(stranger.getEventsByType('Account')).rejects.toBeInstanceOf(EventDecodingError);
    } finally {
      await stranger.close();
    }
  });

  it('upcasts older payload versions on read through the registry', async () => {
    const aggregateId = `upcast-${schema}`;
    const v1 = new EventRegistry();
    const RenamedV1 = v1.register(defineEvent<{ name: string }>('Renamed', { aggregateType: 'Profile' }));
    const v2 = new EventRegistry();
    v2.register(
      defineEvent<{ fullName: string }>('Renamed', {
        aggregateType: 'Profile',
        version: 2,
        upcasters: { 1: (data) => ({ fullName: (data as { name: string }).name }) },
      }),
    );
    const writer = new PostgreSQLEventStore({ pool, schema, eventRegistry: v1, notifications: false });
    const reader = new PostgreSQLEventStore({ pool, schema, eventRegistry: v2, notifications: false });
    await writer.appendEvents(
      aggregateId,
      'Profile',
      [RenamedV1.create({ name: 'Ada' }, { aggregateId })],
      'no_stream',
    );
    expect((await reader.getEvents(aggregateId, 'Profile')).events[0]).toMatchObject({
      eventVersion: 2,
      data: { fullName: 'Ada' },
    });
    await writer.close();
    await reader.close();
  });

  it('finds events by type, tenant and time, in global order', async () => {
    const aggregateId = `typed-${schema}`;
    const events = deposits(aggregateId, 3).map((event, index) => ({
      ...event,
      tenantId: index === 1 ? 'acme' : 'other',
      occurredAt: new Date(Date.UTC(2026, 5, 1 + index)),
    }));
    await store.appendEvents(aggregateId, 'Account', events, 'no_stream');
    const byTenant = await store.getEventsByType('Account', { tenantId: 'acme' });
    expect(byTenant.map((event) => event.eventId)).toEqual([events[1]!.eventId]);
    const recent = (
      await store.getEventsByType('Account', { fromTimestamp: new Date(Date.UTC(2026, 5, 1, 12)) })
    ).filter((event) => event.aggregateId === aggregateId);
    expect(recent.map((event) => event.aggregateVersion)).toEqual([2, 3]);
  });

  it('wakes onAppend listeners of another store (another process) through LISTEN/NOTIFY', async () => {
    const otherPool = createPool({ max: 2 });
    const listener = new PostgreSQLEventStore({ pool: otherPool, schema, eventRegistry: registry });
    try {
      let wakeUps = 0;
      const woken = new Promise<void>((resolve) => {
        listener.onAppend(() => {
          wakeUps += 1;
          resolve();
        });
      });
      await listener.listening();
      expect(otherPool.totalCount).toBe(1);
      const aggregateId = `notify-${schema}`;
      await store.appendEvents(aggregateId, 'Account', deposits(aggregateId, 1), 'no_stream');
      await woken;
      expect(wakeUps).toBeGreaterThanOrEqual(1);
    } finally {
      await listener.close();
    }
    // The listening client went back to the caller's pool, which the store left open.
    expect(otherPool.totalCount - otherPool.idleCount).toBe(0);
    expect((await otherPool.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
    await otherPool.end();
  });

  it('re-establishes LISTEN after its connection is killed', async () => {
    const listener = new PostgreSQLEventStore({ pool, schema, eventRegistry: registry });
    try {
      let wake: () => void = () => undefined;
      listener.onAppend(() => wake());
      await listener.listening();
      const listeners = await pool.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN "${schema}.events"'`,
      );
      expect(listeners.rows).toHaveLength(1);
      await pool.query('SELECT pg_terminate_backend($1)', [listeners.rows[0]!.pid]);
      const deadline = Date.now() + 5000;
      let relistened = false;
      while (!relistened && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await listener.listening();
        const again = await pool.query(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN "${schema}.events"' AND pid <> $1`,
          [listeners.rows[0]!.pid],
        );
        relistened = again.rows.length === 1;
      }
      expect(relistened).toBe(true);
      const woken = new Promise<void>((resolve) => (wake = resolve));
      const aggregateId = `relisten-${schema}`;
      const writer = new PostgreSQLEventStore({ pool, schema, eventRegistry: registry });
      await writer.appendEvents(aggregateId, 'Account', deposits(aggregateId, 1), 'no_stream');
      await writer.close();
      await woken;
    } finally {
      await listener.close();
    }
  });

  it('refuses work after close with ClosedError, and never ends the borrowed pool', async () => {
    const closing = new PostgreSQLEventStore({ pool, schema, eventRegistry: registry });
    await closing.close();
    await expect(closing.getGlobalPosition()).rejects.toBeInstanceOf(ClosedError);
    await expect(
      closing.appendEvents(`closed-${schema}`, 'Account', deposits(`closed-${schema}`, 1), 'any'),
    ).rejects.toBeInstanceOf(ClosedError);
    expect(pool.ended).toBe(false);
    {
      await using disposable = new PostgreSQLEventStore({ pool, schema, eventRegistry: registry });
      expect(await disposable.getGlobalPosition()).toBeGreaterThan(0);
    }
    expect((await pool.query('SELECT 1 AS one')).rowCount).toBe(1);
  });
});
