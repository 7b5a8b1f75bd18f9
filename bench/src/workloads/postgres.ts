import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { EventRegistry } from '@eventsource/core';
import { serviceAddresses } from '@eventsource/services';
import { PostgreSQLSnapshotStore } from '@eventsource/snapshot-postgres';
import { PostgreSQLEventStore } from '@eventsource/store-postgres';
import {
  AGGREGATE_TYPE,
  benchRegistry,
  DidSomething,
  evolveCounter,
  payload,
  type CounterState,
  type DidSomethingData,
} from '../domain.ts';
import type { RunContext } from '../measure.ts';
import type { WorkloadResult } from '../results.ts';
import { failedWorkload, runStoreWorkload, type StoreWorkload } from '../store-workload.ts';
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
import { POSTGRES_LIMIT_NOTE, postgresLimit } from './postgres-limit.ts';
import { compareStatements, mirroredStatements, type PostgresNames } from './postgres-statements.ts';

const POOL_SIZE = 16;

const WORKLOAD_IDS = [
  'postgres.append',
  'postgres.append.concurrent',
  'postgres.batch',
  'postgres.load',
  'postgres.load.snapshot',
  'postgres.catchup',
] as const;

export const postgresSuite: Suite = {
  name: 'PostgreSQL (pg)',
  workloadIds: WORKLOAD_IDS,
  run: runPostgresSuite,
};

interface AppendRow {
  readonly outcome: string;
  readonly written: number;
}

/** `data` is selected as JSON text (`data::text`), as the store selects it. */
interface EventRow {
  readonly data: string;
  readonly aggregateVersion: number;
}

interface PageRow extends EventRow {
  readonly globalPosition: string;
}

interface SnapshotRow {
  readonly version: number;
  readonly state: CounterState;
}

async function runPostgresSuite(context: SuiteContext): Promise<WorkloadResult[]> {
  const schema = `bench_${context.runId}`;
  const url = serviceAddresses().postgresUrl;
  // One pool for the library and the raw side: the same connections, equally warm.
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  pool.on('error', () => undefined);
  const registry = benchRegistry();
  const names: PostgresNames = { schema, events: 'events', snapshots: 'snapshots' };
  let opened: Awaited<ReturnType<typeof openStores>>;
  try {
    opened = await openStores(pool, schema, registry, context);
  } catch (error) {
    await pool.end().catch(() => undefined);
    const message = `PostgreSQL at ${redacted(url)} is not usable (run \`pnpm services:up\`): ${error instanceof Error ? error.message : String(error)}`;
    return WORKLOAD_IDS.filter((id) => selected(context, id)).map((id) =>
      failedWorkload(
        {
          id,
          title: id,
          system: 'postgresql',
          operation: '',
          unit: '',
          unitsPerOperation: 1,
          concurrency: 1,
          counts: { operations: 0, warmupOperations: 0, rounds: 0 },
        },
        new Error(message),
        0,
      ),
    );
  }
  const { stores, snapshotStores } = opened;
  const library = librarySide({ stores, snapshotStores }, context.runId);
  const limit = await postgresLimit(pool, schema);
  const loadStreams = Array.from({ length: LOAD_STREAMS }, (_, index) => library.loadStream(index));
  const seedLoad = async (): Promise<void> => {
    await library.seedLoad();
    await limit.seedLoad(loadStreams);
  };

  const statements = mirroredStatements(names);
  const channel = stores.on.capabilities.appendNotifications ? statements.channel : null;
  // Which of the library's statements the raw side mirrors word for word, checked against what the
  // library actually sent (a probe pool records it), so drift in the adapter shows up in the results.
  const sqlNotes = await compareStatements(url, names, registry, statements);

  /** The store's append, called as a hand-written client would: the same function, the same arguments. */
  const rawAppend = async (aggregateId: string, datas: readonly DidSomethingData[]): Promise<void> => {
    const occurredAt = new Date().toISOString();
    const count = datas.length;
    const nulls = new Array<null>(count).fill(null);
    const result = await pool.query<AppendRow>({
      name: 'bench_raw_append',
      text: statements.append,
      values: [
        aggregateId,
        AGGREGATE_TYPE,
        'no_stream',
        datas.map(() => randomUUID()),
        new Array<string>(count).fill(DidSomething.eventType),
        new Array<number>(count).fill(1),
        new Array<string>(count).fill(occurredAt),
        datas.map(() => randomUUID()),
        nulls,
        nulls,
        nulls,
        new Array<string>(count).fill('{}'),
        datas.map((data) => JSON.stringify(data)),
        false,
        channel,
        // p_skip_stored: like the store's first attempt, assume every event is new.
        false,
      ],
    });
    if (result.rows[0]?.outcome !== 'written')
      throw new Error(`raw append: ${result.rows[0]?.outcome ?? 'no row'}`);
  };
  /** The informational baseline: a plain INSERT of the same rows, as one would write by hand. */
  const handWrittenInsert = async (
    aggregateId: string,
    datas: readonly DidSomethingData[],
  ): Promise<void> => {
    const occurredAt = new Date().toISOString();
    const count = datas.length;
    await pool.query({
      name: 'bench_hand_written_insert',
      text: statements.handWrittenInsert,
      values: [
        aggregateId,
        AGGREGATE_TYPE,
        datas.map(() => randomUUID()),
        new Array<string>(count).fill(DidSomething.eventType),
        new Array<string>(count).fill(occurredAt),
        datas.map(() => randomUUID()),
        datas.map((data) => JSON.stringify(data)),
      ],
    });
  };
  const handWritten = (batch: boolean) => [
    {
      name: 'raw.insert',
      prepare: (run: RunContext) => {
        const shared = Array.from({ length: BATCH_SIZE }, (_, index) => payload(index));
        return (index: number) =>
          handWrittenInsert(`${run.prefix}-${index}`, batch ? shared : [payload(index)]);
      },
    },
  ];
  const handWrittenNote =
    'raw.insert (informational, not gated): the append one writes by hand on the same table, one INSERT ... SELECT FROM unnest(...) with positions from the same sequence and the unique constraint as the only check: no gap-safe ordering, no idempotent retry, no NOTIFY. library/raw.insert shows what the append function costs on top.';
  const rawFold = (state: CounterState, rows: readonly EventRow[]): CounterState => {
    let folded = state;
    for (const row of rows) folded = evolveCounter(folded, JSON.parse(row.data) as DidSomethingData);
    return folded;
  };
  const base = { system: 'postgresql', notes: sqlNotes };
  const workloads: StoreWorkload[] = [
    {
      ...base,
      id: 'postgres.append',
      extraBaselines: [...handWritten(false), limit.appendOne()],
      notes: [...sqlNotes, handWrittenNote, POSTGRES_LIMIT_NOTE],
      title: 'append 1 event to a new stream, sequential',
      operation: 'append',
      unit: 'events',
      unitsPerOperation: 1,
      concurrency: 1,
      target: 0.7,
      counts: pick(
        context,
        { operations: 300, warmupOperations: 200, rounds: 8 },
        { operations: 1000, warmupOperations: 500, rounds: 12 },
      ),
      raw: (run) => (index) => rawAppend(`${run.prefix}-${index}`, [payload(index)]),
      library: (mode, run) => library.appendOne(mode, run),
    },
    {
      ...base,
      id: 'postgres.append.concurrent',
      extraBaselines: [...handWritten(false), limit.appendOneConcurrent()],
      notes: [...sqlNotes, handWrittenNote, POSTGRES_LIMIT_NOTE],
      title: `append 1 event to a new stream, ${POOL_SIZE} concurrent clients (pool of ${POOL_SIZE})`,
      operation: 'append',
      unit: 'events',
      unitsPerOperation: 1,
      concurrency: POOL_SIZE,
      target: 0.7,
      counts: pick(
        context,
        { operations: 2000, warmupOperations: 500, rounds: 5 },
        { operations: 5000, warmupOperations: 1000, rounds: 7 },
      ),
      raw: (run) => (index) => rawAppend(`${run.prefix}-${index}`, [payload(index)]),
      library: (mode, run) => library.appendOne(mode, run),
    },
    {
      ...base,
      id: 'postgres.batch',
      extraBaselines: [...handWritten(true), limit.appendBatch()],
      notes: [...sqlNotes, handWrittenNote, POSTGRES_LIMIT_NOTE],
      title: `append a batch of ${BATCH_SIZE} events to a new stream`,
      operation: `batch of ${BATCH_SIZE}`,
      unit: 'events',
      unitsPerOperation: BATCH_SIZE,
      concurrency: 1,
      target: 0.7,
      counts: pick(
        context,
        { operations: 80, warmupOperations: 20, rounds: 5 },
        { operations: 300, warmupOperations: 60, rounds: 7 },
      ),
      raw: (run) => {
        const datas = Array.from({ length: BATCH_SIZE }, (_, index) => payload(index));
        return (index) => rawAppend(`${run.prefix}-${index}`, datas);
      },
      library: (mode, run) => library.appendBatch(mode, run),
    },
    {
      ...base,
      id: 'postgres.load',
      title: `load an aggregate of ${LOAD_EVENTS} events, no snapshot`,
      operation: 'load',
      unit: 'events',
      unitsPerOperation: LOAD_EVENTS,
      concurrency: 1,
      target: 0.6,
      counts: pick(
        context,
        { operations: 100, warmupOperations: 25, rounds: 5 },
        { operations: 300, warmupOperations: 60, rounds: 7 },
      ),
      notes: [
        ...sqlNotes,
        'Library: AggregateRepository.load (getEvents + deserialize + fold). Raw: the same SELECT (jsonb as text), JSON.parse of `data` per row and the same fold; no envelope, dates or metadata, as hand-written code would.',
        POSTGRES_LIMIT_NOTE,
      ],
      extraBaselines: [limit.load(library.loadStream)],
      setup: seedLoad,
      raw: () => async (index) => {
        const result = await pool.query<EventRow>({
          name: 'bench_raw_get_events',
          text: statements.getEvents,
          values: [library.loadStream(index), AGGREGATE_TYPE, 0],
        });
        expectCount(rawFold({ count: 0, lastId: 0 }, result.rows), LOAD_EVENTS);
      },
      library: (mode) => library.load(mode, false),
    },
    {
      ...base,
      id: 'postgres.load.snapshot',
      title: `load an aggregate of ${LOAD_EVENTS} events from a snapshot at ${SNAPSHOT_VERSION}`,
      operation: 'load',
      unit: 'loads',
      unitsPerOperation: 1,
      concurrency: 1,
      target: 0.6,
      counts: pick(
        context,
        { operations: 500, warmupOperations: 100, rounds: 5 },
        { operations: 2000, warmupOperations: 300, rounds: 7 },
      ),
      notes: [
        ...sqlNotes,
        `Snapshot at version ${SNAPSHOT_VERSION}, then ${LOAD_EVENTS - SNAPSHOT_VERSION} tail events: two round trips on both sides.`,
        POSTGRES_LIMIT_NOTE,
      ],
      extraBaselines: [limit.loadSnapshot(library.loadStream)],
      setup: seedLoad,
      raw: () => async (index) => {
        const aggregateId = library.loadStream(index);
        const snapshot = await pool.query<SnapshotRow>({
          name: 'bench_raw_snapshot_get',
          text: statements.snapshotGet,
          values: [aggregateId, AGGREGATE_TYPE],
        });
        const row = snapshot.rows[0]!;
        const tail = await pool.query<EventRow>({
          name: 'bench_raw_get_events',
          text: statements.getEvents,
          values: [aggregateId, AGGREGATE_TYPE, row.version],
        });
        expectCount(rawFold(row.state, tail.rows), LOAD_EVENTS);
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
      id: 'postgres.catchup',
      title: `read-all catch-up of ${events.toLocaleString('en-US')} events, pages of ${PAGE_SIZE}`,
      operation: `page of ${PAGE_SIZE}`,
      unit: 'events',
      unitsPerOperation: PAGE_SIZE,
      concurrency: 1,
      target: 0.4,
      counts: {
        operations: events / PAGE_SIZE,
        warmupOperations: events / PAGE_SIZE,
        rounds: pick(context, 9, 5),
      },
      notes: [
        ...sqlNotes,
        'Library: readAll({ pageSize: 1000 }) consumed event by event (a deserialized StoredEvent each). Raw: the same gap-safe page SELECT, JSON.parse of `data` per row.',
        POSTGRES_LIMIT_NOTE,
      ],
      extraBaselines: [limit.catchUp(() => limitFromPosition)],
      setup: async () => {
        fromPosition = await library.seedCatchUp(events);
        limitFromPosition = await limit.seedCatchUp(context.runId, events);
      },
      raw: () => {
        let position = fromPosition;
        return async () => {
          const result = await pool.query<PageRow>({
            name: 'bench_raw_read_all',
            text: statements.readAll,
            values: [position, PAGE_SIZE, null, null],
          });
          const rows = result.rows;
          if (rows.length !== PAGE_SIZE) throw new Error(`a catch-up page had ${rows.length} events`);
          let checksum = 0;
          for (const row of rows) checksum += (JSON.parse(row.data) as DidSomethingData).id;
          position = Number(rows[rows.length - 1]!.globalPosition);
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
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pool.end();
  }
  return results;
}

/** Records the server's settings and opens the stores, migrating the schema. */
async function openStores(pool: pg.Pool, schema: string, registry: EventRegistry, context: SuiteContext) {
  const probe = await pool.query<{ version: string; sync: string; fsync: string; buffers: string }>(
    `SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS sync,
            current_setting('fsync') AS fsync, current_setting('shared_buffers') AS buffers`,
  );
  const server = probe.rows[0]!;
  context.servers['postgresql'] =
    `${server.version} (synchronous_commit=${server.sync}, fsync=${server.fsync}, shared_buffers=${server.buffers})`;
  const stores = {
    off: await PostgreSQLEventStore.create({ pool, schema, eventRegistry: registry, enableTracing: false }),
    on: new PostgreSQLEventStore({ pool, schema, eventRegistry: registry }),
  };
  const snapshotStores = {
    off: await PostgreSQLSnapshotStore.create({ pool, schema, enableTracing: false }),
    on: new PostgreSQLSnapshotStore({ pool, schema }),
  };
  return { stores, snapshotStores };
}

/** The URL without its password, for messages. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.username = '';
    return parsed.host + parsed.pathname;
  } catch {
    return 'the configured URL';
  }
}
