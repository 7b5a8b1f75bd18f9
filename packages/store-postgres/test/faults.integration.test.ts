import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConcurrencyError, UnavailableError } from '@eventsource/core';
import { PostgreSQLEventStore } from '../src/index.ts';
import { createPool, dropSchema, randomSchema } from './support/database.ts';
import { deposits, registry } from './support/fixtures.ts';
import { HeldAppends } from './support/held-append.ts';
import { lockServer, SERVER_LOCK_TIMEOUT_MS } from './support/server-lock.ts';

let releaseServer: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  releaseServer = await lockServer();
}, SERVER_LOCK_TIMEOUT_MS);
afterAll(async () => releaseServer());

describe('faults', () => {
  const pool = createPool({ max: 4 });
  const admin = createPool({ max: 1 });
  const schema = randomSchema();
  let store: PostgreSQLEventStore;
  let held: HeldAppends;

  beforeAll(async () => {
    store = await PostgreSQLEventStore.create({ pool, schema, eventRegistry: registry, outbox: true });
    held = new HeldAppends(schema);
    await held.install();
  });

  afterAll(async () => {
    await held.dispose();
    await store.close();
    await dropSchema(admin, schema);
    await pool.end();
    await admin.end();
  });

  it('a backend killed mid-append gives UnavailableError, writes nothing, and the pool recovers', async () => {
    const aggregateId = `held-killed-${schema}`;
    const events = deposits(aggregateId, 50);
    const append = store
      .appendEvents(aggregateId, 'Account', events, 'no_stream')
      .catch((error: unknown) => error);
    // The append has inserted its rows (and outbox rows) and waits before committing.
    const [pid] = await held.waitForHeld(1);
    const killed = await admin.query<{ killed: boolean }>('SELECT pg_terminate_backend($1) AS killed', [pid]);
    expect(killed.rows[0]!.killed).toBe(true);

    const error = await append;
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).cause).toBeDefined();

    const leftovers = await admin.query<{ events: string; outbox: string }>(
      `SELECT (SELECT count(*) FROM "${schema}".events WHERE aggregate_id = $1) AS events,
              (SELECT count(*) FROM "${schema}".event_outbox WHERE aggregate_id = $1) AS outbox`,
      [aggregateId],
    );
    expect(leftovers.rows[0]).toEqual({ events: '0', outbox: '0' });
    expect(await store.getStreamVersion(aggregateId, 'Account')).toBe(0);
    for (const event of events) expect(await store.eventExists(event.eventId)).toBe(false);

    // The same pool keeps working, at full width, and the retried append succeeds.
    await held.release();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        store.appendEvents(
          `after-${index}-${schema}`,
          'Account',
          deposits(`after-${index}-${schema}`, 2),
          'no_stream',
        ),
      ),
    );
    expect(results.every((result) => result.written === 2)).toBe(true);
    expect(await store.appendEvents(aggregateId, 'Account', events, 'no_stream')).toMatchObject({
      written: 50,
      nextVersion: 50,
    });
    expect((await store.getEvents(aggregateId, 'Account')).events).toHaveLength(50);
  }, 30_000);

  it('a pool that cannot reach the server gives UnavailableError, not a raw socket error', async () => {
    const { default: pg } = await import('pg');
    const unreachable = new pg.Pool({
      host: '127.0.0.1',
      port: 1,
      user: 'nobody',
      database: 'nowhere',
      connectionTimeoutMillis: 1000,
    });
    const offline = new PostgreSQLEventStore({ pool: unreachable, schema, eventRegistry: registry });
    try {
      const error = await offline
        .appendEvents(`offline-${schema}`, 'Account', deposits(`offline-${schema}`, 1), 'any')
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
      await expect(offline.getGlobalPosition()).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      await offline.close();
      await unreachable.end();
    }
  });
});

describe('races that never settle', () => {
  const pool = createPool({ max: 4 });
  const schema = randomSchema();
  let store: PostgreSQLEventStore;

  beforeAll(async () => {
    store = await PostgreSQLEventStore.create({ pool, schema, eventRegistry: registry });
    // Stands in for other appends that keep winning: every insert of a `racing-<constraint>` stream
    // reports the unique violation a concurrent append would cause on that constraint.
    await pool.query(`CREATE FUNCTION "${schema}".always_lose() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.aggregate_id LIKE 'racing-%' THEN
          RAISE unique_violation USING CONSTRAINT = substr(NEW.aggregate_id, 8), MESSAGE = 'lost the race';
        END IF;
        RETURN NEW;
      END $$`);
    await pool.query(
      `CREATE TRIGGER always_lose BEFORE INSERT ON "${schema}".events FOR EACH ROW EXECUTE FUNCTION "${schema}".always_lose()`,
    );
  });

  afterAll(async () => {
    await store.close();
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('an event-id race that never settles is a ConcurrencyError carrying the driver error, not a raw pg error', async () => {
    const aggregateId = 'racing-events_event_id_key';
    const failure = await store
      .appendEvents(aggregateId, 'Account', deposits(aggregateId, 2), 'any')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConcurrencyError);
    expect((failure as ConcurrencyError).cause).toMatchObject({
      code: '23505',
      constraint: 'events_event_id_key',
    });
  });

  it("an 'any' append that loses every race gives up with ConcurrencyError after its bounded attempts", async () => {
    const aggregateId = 'racing-events_stream_key';
    const started = Date.now();
    const failure = await store
      .appendEvents(aggregateId, 'Account', deposits(aggregateId, 1), 'any')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConcurrencyError);
    expect((failure as ConcurrencyError).cause).toMatchObject({
      code: '23505',
      constraint: 'events_stream_key',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
