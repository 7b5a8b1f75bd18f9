import type Database from 'better-sqlite3';
import { evolveCounter, payload, type CounterState, type DidSomethingData } from '../domain.ts';
import type { ExtraBaseline } from '../store-workload.ts';
import { BATCH_SIZE, expectCount, LOAD_EVENTS, PAGE_SIZE, SNAPSHOT_VERSION } from './library-side.ts';

/** The target for the library against the limit, on the read workloads. */
export const LIMIT_TARGET = 0.5;

/**
 * What `limit` does, per operation. Appends: one prepared INSERT into a table whose only check is
 * its UNIQUE (stream, version) constraint (a batch: the same INSERT 100 times in one transaction);
 * no id check, no version read, no envelope. Reads: `SELECT data` (one column) in version or
 * position order, JSON.parse of each row, the same fold or checksum as the other sides.
 */
export const SQLITE_LIMIT_NOTE =
  'limit: the simplest code doing the job, on a minimal table `limit_events (position INTEGER PRIMARY KEY, stream, version, data, UNIQUE (stream, version))` in the same database: append = one prepared INSERT in autocommit (a batch: 100 in one transaction); load = `SELECT data … WHERE stream = ? ORDER BY version` (one column), JSON.parse and the same fold; snapshot load = one `SELECT version, state` + the tail; catch-up = `SELECT position, data … WHERE position > ? ORDER BY position LIMIT 1000`, JSON.parse per row.';

const SCHEMA = `CREATE TABLE IF NOT EXISTS limit_events (
    position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL, data TEXT NOT NULL,
    UNIQUE (stream, version));
  CREATE TABLE IF NOT EXISTS limit_snapshots (stream TEXT PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL);`;

/** The `limit` side of every SQLite store workload, on its own minimal tables in `db`. */
export function sqliteLimit(db: Database.Database) {
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT INTO limit_events (stream, version, data) VALUES (?, ?, ?)');
  const readStream = db
    .prepare<unknown[], string>(
      'SELECT data FROM limit_events WHERE stream = ? AND version > ? ORDER BY version',
    )
    .pluck();
  const readPage = db
    .prepare<unknown[], [number, string]>(
      'SELECT position, data FROM limit_events WHERE position > ? ORDER BY position LIMIT ?',
    )
    .raw();
  const readSnapshot = db
    .prepare<unknown[], [number, string]>('SELECT version, state FROM limit_snapshots WHERE stream = ?')
    .raw();
  const insertSnapshot = db.prepare('INSERT INTO limit_snapshots (stream, version, state) VALUES (?, ?, ?)');
  const head = db.prepare<[], number>('SELECT coalesce(max(position), 0) FROM limit_events').pluck();
  const insertStream = db.transaction((stream: string, datas: readonly DidSomethingData[], first: number) => {
    for (let index = 0; index < datas.length; index += 1)
      insert.run(stream, first + index, JSON.stringify(datas[index]));
  });
  const fold = (state: CounterState, rows: readonly string[]): CounterState => {
    let folded = state;
    for (const data of rows) folded = evolveCounter(folded, JSON.parse(data) as DidSomethingData);
    return folded;
  };
  const batch = Array.from({ length: BATCH_SIZE }, (_, index) => payload(index));
  const seeded = new Set<string>();

  return {
    appendOne: (concurrent: boolean): ExtraBaseline => ({
      name: 'limit',
      prepare: (run) =>
        concurrent
          ? async (index) => insert.run(`${run.prefix}-${index}`, 1, JSON.stringify(payload(index)))
          : (index) => insert.run(`${run.prefix}-${index}`, 1, JSON.stringify(payload(index))),
    }),

    appendBatch: (): ExtraBaseline => ({
      name: 'limit',
      prepare: (run) => (index) => insertStream(`${run.prefix}-${index}`, batch, 1),
    }),

    /** Seeds each load stream once: `LOAD_EVENTS` events and a snapshot at `SNAPSHOT_VERSION`. */
    seedLoad(streams: readonly string[]): void {
      for (const stream of streams) {
        if (seeded.has(stream)) continue;
        seeded.add(stream);
        for (let first = 1; first <= LOAD_EVENTS; first += BATCH_SIZE) insertStream(stream, batch, first);
        insertSnapshot.run(
          stream,
          SNAPSHOT_VERSION,
          JSON.stringify({ count: SNAPSHOT_VERSION, lastId: SNAPSHOT_VERSION - 1 }),
        );
      }
    },

    load: (streamOf: (index: number) => string): ExtraBaseline => ({
      name: 'limit',
      target: LIMIT_TARGET,
      prepare: () => (index) =>
        expectCount(fold({ count: 0, lastId: 0 }, readStream.all(streamOf(index), 0)), LOAD_EVENTS),
    }),

    loadSnapshot: (streamOf: (index: number) => string): ExtraBaseline => ({
      name: 'limit',
      prepare: () => (index) => {
        const stream = streamOf(index);
        const [version, state] = readSnapshot.get(stream)!;
        expectCount(fold(JSON.parse(state) as CounterState, readStream.all(stream, version)), LOAD_EVENTS);
      },
    }),

    /** Appends `events` events in streams of `BATCH_SIZE`; returns the position before them. */
    seedCatchUp(prefix: string, events: number): number {
      const fromPosition = head.get()!;
      for (let stream = 0; stream < events / BATCH_SIZE; stream += 1)
        insertStream(`${prefix}-catchup-${stream}`, batch, 1);
      return fromPosition;
    },

    catchUp: (fromPosition: () => number): ExtraBaseline => ({
      name: 'limit',
      target: LIMIT_TARGET,
      prepare: () => {
        let position = fromPosition();
        return () => {
          const rows = readPage.all(position, PAGE_SIZE);
          if (rows.length !== PAGE_SIZE) throw new Error(`a catch-up page had ${rows.length} events`);
          let checksum = 0;
          for (const row of rows) checksum += (JSON.parse(row[1]) as DidSomethingData).id;
          position = rows[rows.length - 1]![0];
          return checksum;
        };
      },
    }),
  };
}
