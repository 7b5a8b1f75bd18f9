import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SQLiteSnapshotStore } from '@eventsource/snapshot-sqlite';
import { SQLiteEventStore } from '@eventsource/store-sqlite';
import {
  AGGREGATE_TYPE,
  benchRegistry,
  DidSomething,
  evolveCounter,
  payload,
  type CounterState,
  type DidSomethingData,
} from '../domain.ts';
import type { WorkloadResult } from '../results.ts';
import { runStoreWorkload, type StoreWorkload } from '../store-workload.ts';
import { pick, selected, type Suite, type SuiteContext } from '../suite-context.ts';
import {
  BATCH_SIZE,
  expectCount,
  LOAD_EVENTS,
  LOAD_STREAMS,
  librarySide,
  PAGE_SIZE,
  SNAPSHOT_VERSION,
} from './library-side.ts';
import { SQLITE_LIMIT_NOTE, sqliteLimit } from './sqlite-limit.ts';

/** The target: every SQLite workload at >= 0.8 of raw better-sqlite3. */
const SQLITE_TARGET = 0.8;

// The store's statements, mirrored (packages/store-sqlite/src/event-rows.ts and sqlite-event-store.ts).
const EVENT_COLUMNS = `event_id AS eventId, event_type AS eventType, event_version AS eventVersion,
  aggregate_id AS aggregateId, aggregate_type AS aggregateType, version AS aggregateVersion,
  occurred_at AS occurredAt, correlation_id AS correlationId, causation_id AS causationId,
  tenant_id AS tenantId, actor_id AS actorId, metadata, data`;
const EVENT_EXISTS = 'SELECT 1 FROM events WHERE event_id = ?';
const STREAM_VERSION = 'SELECT MAX(version) FROM events WHERE aggregate_id = ? AND aggregate_type = ?';
const INSERT_EVENT = `INSERT INTO events (event_id, aggregate_id, aggregate_type, version, event_type, event_version,
  occurred_at, correlation_id, causation_id, tenant_id, actor_id, metadata, data, stored_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const READ_STREAM = `SELECT ${EVENT_COLUMNS} FROM events WHERE aggregate_id = ? AND aggregate_type = ? AND version > ? ORDER BY version`;
const READ_PAGE = `SELECT global_position AS globalPosition, stored_at AS storedAt, ${EVENT_COLUMNS} FROM events
    WHERE global_position > ?
    ORDER BY global_position LIMIT ?`;
// packages/snapshot-sqlite/src/sqlite-snapshot-store.ts
const SELECT_SNAPSHOT = 'SELECT * FROM snapshots WHERE aggregate_type = ? AND aggregate_id = ?';

const SAME_SQL =
  "The raw side runs the store's own statements (mirrored from packages/store-sqlite) on the schema the store migrated, in the same `BEGIN IMMEDIATE` transactions, on the same connection.";

interface SqliteRow {
  readonly data: string;
  readonly aggregateVersion: number;
}

interface PageRow extends SqliteRow {
  readonly globalPosition: number;
}

interface SnapshotRow {
  readonly version: number;
  readonly state: string;
}

const WORKLOAD_IDS = [
  'sqlite.append',
  'sqlite.append.concurrent',
  'sqlite.batch',
  'sqlite.load',
  'sqlite.load.snapshot',
  'sqlite.catchup',
] as const;

export const sqliteSuite: Suite = {
  name: 'SQLite (better-sqlite3)',
  workloadIds: WORKLOAD_IDS,
  run: runSqliteSuite,
};

async function runSqliteSuite(context: SuiteContext): Promise<WorkloadResult[]> {
  const parent = sqliteDirectory();
  const directory = mkdtempSync(join(parent, `eventsource-bench-${context.runId}-`));
  const db = new Database(join(directory, 'bench.db'));
  const registry = benchRegistry();
  // Every statement the adapters prepare while they are built and first read, to check the mirror.
  const prepared = new Set<string>();
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    prepared.add(normalizeSql(source));
    return prepare(source);
  }) as typeof db.prepare;
  // Both stores borrow the one connection (the raw side uses it too): same page cache, same file.
  const stores = {
    off: new SQLiteEventStore({ database: db, eventRegistry: registry, enableTracing: false }),
    on: new SQLiteEventStore({ database: db, eventRegistry: registry }),
  };
  const snapshotStores = {
    off: new SQLiteSnapshotStore({ database: db, enableTracing: false }),
    on: new SQLiteSnapshotStore({ database: db }),
  };
  const library = librarySide({ stores, snapshotStores }, context.runId);
  const limit = sqliteLimit(db);
  const loadStreams = Array.from({ length: LOAD_STREAMS }, (_, index) => library.loadStream(index));
  const seedLoad = async (): Promise<void> => {
    await library.seedLoad();
    limit.seedLoad(loadStreams);
  };
  context.servers['sqlite'] =
    `database in ${parent}; ${db.prepare('SELECT sqlite_version()').pluck().get() as string} (journal_mode=${db.pragma('journal_mode', { simple: true }) as string}, synchronous=${synchronousName(db.pragma('synchronous', { simple: true }) as number)})`;

  for await (const stored of stores.off.readAll({ limit: 1 })) void stored;
  db.prepare = prepare;
  const mirrored = { EVENT_EXISTS, STREAM_VERSION, INSERT_EVENT, READ_STREAM, READ_PAGE, SELECT_SNAPSHOT };
  const differing = Object.entries(mirrored)
    .filter(([, text]) => !prepared.has(normalizeSql(text)))
    .map(([name]) => name);
  const sameSql =
    differing.length === 0
      ? `${SAME_SQL} Checked in this run against the statements the adapters prepared.`
      : `The raw side's ${differing.join(', ')} statement(s) differ from what the adapters prepared in this run: the adapter changed; update bench/src/workloads/sqlite.ts.`;

  const statements = {
    exists: db.prepare(EVENT_EXISTS).pluck(),
    version: db.prepare(STREAM_VERSION).pluck(),
    insert: db.prepare(INSERT_EVENT),
    readStream: db.prepare<unknown[], SqliteRow>(READ_STREAM),
    readPage: db.prepare<unknown[], PageRow>(READ_PAGE),
    snapshot: db.prepare<unknown[], SnapshotRow>(SELECT_SNAPSHOT),
  };

  /** What a hand-written append does: check the id and the stream version, insert, in one write transaction. */
  const rawAppend = db.transaction((aggregateId: string, datas: readonly DidSomethingData[]) => {
    const eventIds = datas.map(() => randomUUID());
    const fresh = eventIds.filter((eventId) => statements.exists.get(eventId) === undefined);
    const current = (statements.version.get(aggregateId, AGGREGATE_TYPE) as number | null) ?? 0;
    if (current !== 0) throw new Error(`stream ${aggregateId} exists`);
    const now = new Date().toISOString();
    for (let index = 0; index < fresh.length; index += 1) {
      statements.insert.run(
        fresh[index],
        aggregateId,
        AGGREGATE_TYPE,
        index + 1,
        DidSomething.eventType,
        1,
        now,
        randomUUID(),
        null,
        null,
        null,
        '{}',
        JSON.stringify(datas[index]),
        now,
      );
    }
  });

  const rawFold = (state: CounterState, rows: readonly SqliteRow[]): CounterState => {
    let folded = state;
    for (const row of rows) folded = evolveCounter(folded, JSON.parse(row.data) as DidSomethingData);
    return folded;
  };

  const base = { system: 'sqlite', target: SQLITE_TARGET };
  const workloads: StoreWorkload[] = [
    {
      ...base,
      id: 'sqlite.append',
      title: 'append 1 event to a new stream, sequential',
      operation: 'append',
      unit: 'events',
      unitsPerOperation: 1,
      concurrency: 1,
      counts: pick(
        context,
        { operations: 3000, warmupOperations: 1000, rounds: 5 },
        { operations: 10000, warmupOperations: 2000, rounds: 7 },
      ),
      notes: [sameSql, SQLITE_LIMIT_NOTE],
      extraBaselines: [limit.appendOne(false)],
      raw: (run) => (index) => rawAppend.immediate(`${run.prefix}-${index}`, [payload(index)]),
      library: (mode, run) => library.appendOne(mode, run),
    },
    {
      ...base,
      id: 'sqlite.append.concurrent',
      title: 'append 1 event to a new stream, 16 concurrent callers on one connection',
      operation: 'append',
      unit: 'events',
      unitsPerOperation: 1,
      concurrency: 16,
      counts: pick(
        context,
        { operations: 3000, warmupOperations: 1000, rounds: 5 },
        { operations: 10000, warmupOperations: 2000, rounds: 7 },
      ),
      extraBaselines: [limit.appendOne(true)],
      notes: [
        sameSql,
        SQLITE_LIMIT_NOTE,
        'better-sqlite3 is synchronous: the 16 callers interleave on one connection, so this measures the async overhead under contention, not parallel writes.',
      ],
      raw: (run) => async (index) => rawAppend.immediate(`${run.prefix}-${index}`, [payload(index)]),
      library: (mode, run) => library.appendOne(mode, run),
    },
    {
      ...base,
      id: 'sqlite.batch',
      title: `append a batch of ${BATCH_SIZE} events to a new stream`,
      operation: `batch of ${BATCH_SIZE}`,
      unit: 'events',
      unitsPerOperation: BATCH_SIZE,
      concurrency: 1,
      counts: pick(
        context,
        { operations: 150, warmupOperations: 40, rounds: 5 },
        { operations: 400, warmupOperations: 100, rounds: 7 },
      ),
      notes: [sameSql, SQLITE_LIMIT_NOTE],
      extraBaselines: [limit.appendBatch()],
      raw: (run) => {
        const datas = Array.from({ length: BATCH_SIZE }, (_, index) => payload(index));
        return (index) => rawAppend.immediate(`${run.prefix}-${index}`, datas);
      },
      library: (mode, run) => library.appendBatch(mode, run),
    },
    {
      ...base,
      id: 'sqlite.load',
      title: `load an aggregate of ${LOAD_EVENTS} events, no snapshot`,
      operation: 'load',
      unit: 'events',
      unitsPerOperation: LOAD_EVENTS,
      concurrency: 1,
      counts: pick(
        context,
        { operations: 200, warmupOperations: 50, rounds: 5 },
        { operations: 500, warmupOperations: 100, rounds: 7 },
      ),
      notes: [
        sameSql,
        'Library: AggregateRepository.load (getEvents + deserialize + fold). Raw: the same SELECT, JSON.parse of `data` per row and the same fold; the raw side skips metadata, dates and the envelope, as hand-written code would.',
        SQLITE_LIMIT_NOTE,
      ],
      extraBaselines: [limit.load(library.loadStream)],
      setup: seedLoad,
      raw: () => (index) => {
        const rows = statements.readStream.all(library.loadStream(index), AGGREGATE_TYPE, 0);
        expectCount(rawFold({ count: 0, lastId: 0 }, rows), LOAD_EVENTS);
      },
      library: (mode) => library.load(mode, false),
    },
    {
      ...base,
      id: 'sqlite.load.snapshot',
      title: `load an aggregate of ${LOAD_EVENTS} events from a snapshot at ${SNAPSHOT_VERSION}`,
      operation: 'load',
      unit: 'loads',
      unitsPerOperation: 1,
      concurrency: 1,
      counts: pick(
        context,
        { operations: 3000, warmupOperations: 500, rounds: 5 },
        { operations: 8000, warmupOperations: 1000, rounds: 7 },
      ),
      notes: [
        sameSql,
        `Snapshot at version ${SNAPSHOT_VERSION}, then ${LOAD_EVENTS - SNAPSHOT_VERSION} tail events. Raw: the snapshot store's SELECT + JSON.parse, then the tail SELECT and fold.`,
        SQLITE_LIMIT_NOTE,
      ],
      extraBaselines: [limit.loadSnapshot(library.loadStream)],
      setup: seedLoad,
      raw: () => (index) => {
        const aggregateId = library.loadStream(index);
        const snapshot = statements.snapshot.get(AGGREGATE_TYPE, aggregateId)!;
        const state = JSON.parse(snapshot.state) as CounterState;
        expectCount(
          rawFold(state, statements.readStream.all(aggregateId, AGGREGATE_TYPE, snapshot.version)),
          LOAD_EVENTS,
        );
      },
      library: (mode) => library.load(mode, true),
    },
    catchUpWorkload(),
  ];

  function catchUpWorkload(): StoreWorkload {
    const events = pick(context, 20_000, 100_000);
    let fromPosition = 0;
    let limitFromPosition = 0;
    return {
      ...base,
      id: 'sqlite.catchup',
      title: `read-all catch-up of ${events.toLocaleString('en-US')} events, pages of ${PAGE_SIZE}`,
      operation: `page of ${PAGE_SIZE}`,
      unit: 'events',
      unitsPerOperation: PAGE_SIZE,
      concurrency: 1,
      counts: pick(
        context,
        { operations: events / PAGE_SIZE, warmupOperations: events / PAGE_SIZE, rounds: 11 },
        { operations: events / PAGE_SIZE, warmupOperations: events / PAGE_SIZE, rounds: 5 },
      ),
      notes: [
        sameSql,
        'Library: readAll({ pageSize: 1000 }) consumed event by event (deserialized StoredEvent each). Raw: the same page SELECT, JSON.parse of `data` per row.',
        SQLITE_LIMIT_NOTE,
      ],
      extraBaselines: [limit.catchUp(() => limitFromPosition)],
      setup: async () => {
        fromPosition = await library.seedCatchUp(events);
        limitFromPosition = limit.seedCatchUp(context.runId, events);
      },
      raw: () => {
        let position = fromPosition;
        return () => {
          const rows = statements.readPage.all(position, PAGE_SIZE);
          if (rows.length !== PAGE_SIZE) throw new Error(`a catch-up page had ${rows.length} events`);
          let checksum = 0;
          for (const row of rows) checksum += (JSON.parse(row.data) as DidSomethingData).id;
          position = rows[rows.length - 1]!.globalPosition;
          return checksum;
        };
      },
      library: (mode) => library.catchUp(mode, fromPosition, events),
    };
  }

  const results: WorkloadResult[] = [];
  try {
    for (const workload of workloads) {
      if (selected(context, workload.id)) results.push(await runStoreWorkload(workload, context));
    }
  } finally {
    for (const closable of [stores.off, stores.on, snapshotStores.off, snapshotStores.on])
      await closable.close();
    db.close();
    rmSync(directory, { recursive: true, force: true });
  }
  return results;
}

/**
 * Where the database file goes: `EVENTSOURCE_BENCH_SQLITE_DIR`, else tmpfs (`/dev/shm`) when there
 * is one, else the OS temp directory. On tmpfs a WAL checkpoint's fsync costs nothing, so the ratio
 * measures the library's own cost instead of stalls from whatever else shares the disk (on these
 * build machines, other test runs): a harsher and much steadier measure than an ext4 file.
 */
function sqliteDirectory(): string {
  const configured = process.env['EVENTSOURCE_BENCH_SQLITE_DIR'];
  if (configured !== undefined && configured !== '') return configured;
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

function normalizeSql(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function synchronousName(value: number): string {
  return ['OFF', 'NORMAL', 'FULL', 'EXTRA'][value] ?? String(value);
}
