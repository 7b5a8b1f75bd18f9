import type pg from 'pg';
import { evolveCounter, payload, type CounterState, type DidSomethingData } from '../domain.ts';
import type { ExtraBaseline } from '../store-workload.ts';
import { BATCH_SIZE, expectCount, LOAD_EVENTS, PAGE_SIZE, SNAPSHOT_VERSION } from './library-side.ts';
import { LIMIT_TARGET } from './sqlite-limit.ts';

export const POSTGRES_LIMIT_NOTE =
  "limit: the simplest code doing the job, on a minimal table `limit_events (position bigint identity PRIMARY KEY, stream text, version integer, data jsonb, UNIQUE (stream, version))` in the run's schema, through the same pool, every statement prepared (named), one round trip each, autocommit: append = one INSERT of one row (a batch: one INSERT … SELECT FROM unnest of 100); load = `SELECT data … WHERE stream = $1 ORDER BY version` (jsonb parsed by pg) and the same fold; snapshot load = a snapshot SELECT + the tail (two round trips); catch-up = `SELECT position, data … WHERE position > $1 ORDER BY position LIMIT 1000` (not gap-safe).";

interface DataRow {
  readonly data: DidSomethingData;
}

/** The `limit` side of every PostgreSQL store workload, on its own minimal tables in `schema`. */
export async function postgresLimit(pool: pg.Pool, schema: string) {
  const events = `"${schema}".limit_events`;
  const snapshots = `"${schema}".limit_snapshots`;
  await pool.query(`CREATE TABLE IF NOT EXISTS ${events} (
      position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream text NOT NULL,
      version integer NOT NULL, data jsonb NOT NULL, UNIQUE (stream, version));
    CREATE TABLE IF NOT EXISTS ${snapshots} (stream text PRIMARY KEY, version integer NOT NULL, state jsonb NOT NULL)`);
  const statements = {
    insert: `INSERT INTO ${events} (stream, version, data) VALUES ($1, $2, $3)`,
    insertMany: `INSERT INTO ${events} (stream, version, data)
      SELECT $1, $2 + u.ord::integer - 1, u.data::jsonb FROM unnest($3::text[]) WITH ORDINALITY AS u(data, ord)`,
    readStream: `SELECT data FROM ${events} WHERE stream = $1 AND version > $2 ORDER BY version`,
    readPage: `SELECT position, data FROM ${events} WHERE position > $1 ORDER BY position LIMIT $2`,
    snapshot: `SELECT version, state FROM ${snapshots} WHERE stream = $1`,
  };
  const batchTexts = Array.from({ length: BATCH_SIZE }, (_, index) => JSON.stringify(payload(index)));
  const insertStream = (stream: string, first: number) =>
    pool.query({
      name: 'limit_insert_many',
      text: statements.insertMany,
      values: [stream, first, batchTexts],
    });
  const readStream = async (stream: string, after: number) =>
    (
      await pool.query<DataRow>({
        name: 'limit_read_stream',
        text: statements.readStream,
        values: [stream, after],
      })
    ).rows;
  const fold = (state: CounterState, rows: readonly DataRow[]): CounterState => {
    let folded = state;
    for (const row of rows) folded = evolveCounter(folded, row.data);
    return folded;
  };
  const seeded = new Set<string>();

  /** One event appended to a new stream with the prepared INSERT. */
  const insertOne: ExtraBaseline['prepare'] = (run) => (index) =>
    pool.query({
      name: 'limit_insert',
      text: statements.insert,
      values: [`${run.prefix}-${index}`, 1, JSON.stringify(payload(index))],
    });

  return {
    appendOne: (): ExtraBaseline => ({ name: 'limit', prepare: insertOne }),

    appendOneConcurrent: (): ExtraBaseline => ({ name: 'limit', target: LIMIT_TARGET, prepare: insertOne }),

    appendBatch: (): ExtraBaseline => ({
      name: 'limit',
      prepare: (run) => (index) => insertStream(`${run.prefix}-${index}`, 1),
    }),

    /** Seeds each load stream once: `LOAD_EVENTS` events and a snapshot at `SNAPSHOT_VERSION`. */
    async seedLoad(streams: readonly string[]): Promise<void> {
      for (const stream of streams) {
        if (seeded.has(stream)) continue;
        seeded.add(stream);
        for (let first = 1; first <= LOAD_EVENTS; first += BATCH_SIZE) await insertStream(stream, first);
        await pool.query(`INSERT INTO ${snapshots} (stream, version, state) VALUES ($1, $2, $3)`, [
          stream,
          SNAPSHOT_VERSION,
          JSON.stringify({ count: SNAPSHOT_VERSION, lastId: SNAPSHOT_VERSION - 1 }),
        ]);
      }
    },

    load: (streamOf: (index: number) => string): ExtraBaseline => ({
      name: 'limit',
      target: LIMIT_TARGET,
      prepare: () => async (index) =>
        expectCount(fold({ count: 0, lastId: 0 }, await readStream(streamOf(index), 0)), LOAD_EVENTS),
    }),

    loadSnapshot: (streamOf: (index: number) => string): ExtraBaseline => ({
      name: 'limit',
      prepare: () => async (index) => {
        const stream = streamOf(index);
        const snapshot = await pool.query<{ version: number; state: CounterState }>({
          name: 'limit_snapshot',
          text: statements.snapshot,
          values: [stream],
        });
        const row = snapshot.rows[0]!;
        expectCount(fold(row.state, await readStream(stream, row.version)), LOAD_EVENTS);
      },
    }),

    /** Appends `events` events in streams of `BATCH_SIZE`; returns the position before them. */
    async seedCatchUp(prefix: string, count: number): Promise<number> {
      const head = await pool.query<{ head: string }>(
        `SELECT coalesce(max(position), 0) AS head FROM ${events}`,
      );
      for (let stream = 0; stream < count / BATCH_SIZE; stream += 1)
        await insertStream(`${prefix}-catchup-${stream}`, 1);
      return Number(head.rows[0]!.head);
    },

    catchUp: (fromPosition: () => number): ExtraBaseline => ({
      name: 'limit',
      target: LIMIT_TARGET,
      prepare: () => {
        let position = fromPosition();
        return async () => {
          const result = await pool.query<{ position: string; data: DidSomethingData }>({
            name: 'limit_read_page',
            text: statements.readPage,
            values: [position, PAGE_SIZE],
          });
          const rows = result.rows;
          if (rows.length !== PAGE_SIZE) throw new Error(`a catch-up page had ${rows.length} events`);
          let checksum = 0;
          for (const row of rows) checksum += row.data.id;
          position = Number(rows[rows.length - 1]!.position);
          return checksum;
        };
      },
    }),
  };
}
