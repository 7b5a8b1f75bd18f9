// Where a gap-safe append's time goes on PostgreSQL: 16 concurrent clients append one event each
// to new streams through a ladder of PL/pgSQL functions, each adding one piece of the store's
// append function (a function call, then the sub-transaction, the advisory lock, xid8 and
// sequence, pg_notify) to a plain prepared INSERT, in a scratch schema of the shared server.
// Every round runs every step, in rotating order; the table prints the median throughput and what
// each step costs per append (µs of wall time at 16 in flight), with pg_stat_statements' server
// time per call when the server has it loaded.
// The last rows are the store itself: PostgreSQLEventStore.appendEvents (tracing off) and an
// alternative to the sub-transaction (a session-level advisory lock released explicitly), which
// is informational only: a cancel between lock and unlock would leave the lock held.
// pg_stat_statements needs `shared_preload_libraries`: point --url at a server of your own that
// loads it (with pg_stat_statements.track = all, the statements inside the functions are listed).
//   node --conditions=@eventsource/source bench/src/postgres-append-cost.ts [--operations 3000] [--rounds 5] [--url postgresql://...]
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { serviceAddresses } from '@eventsource/services';
import { PostgreSQLEventStore } from '@eventsource/store-postgres';
import { AGGREGATE_TYPE, benchRegistry, DidSomething, payload } from './domain.ts';

const CONCURRENCY = 16;
const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const operations = argument('--operations', 3000);
const rounds = argument('--rounds', 5);
const urlIndex = process.argv.indexOf('--url');
const url = urlIndex === -1 ? serviceAddresses().postgresUrl : process.argv[urlIndex + 1]!;
const schema = `append_cost_${Date.now().toString(36)}`;
const table = `"${schema}".events`;

/** The body each step's function runs before its INSERT, cumulatively. */
const STEPS: readonly { readonly name: string; readonly body: string; readonly insert: string }[] = [
  {
    name: 'function call (INSERT inside PL/pgSQL)',
    body: '',
    insert: `INSERT INTO ${table} (position, xid, stream, version, data) VALUES (nextval('"${schema}".pos'), NULL, p_stream, 1, p_data::jsonb);`,
  },
  {
    name: '+ sub-transaction (BEGIN … EXCEPTION, rolled back)',
    body: `BEGIN RAISE SQLSTATE 'ES000'; EXCEPTION WHEN SQLSTATE 'ES000' THEN NULL; END;`,
    insert: `INSERT INTO ${table} (position, xid, stream, version, data) VALUES (nextval('"${schema}".pos'), NULL, p_stream, 1, p_data::jsonb);`,
  },
  {
    name: '+ advisory lock in it, xid8 and position taken under it',
    body: `BEGIN PERFORM pg_advisory_xact_lock(hashtextextended('${schema}', 0)); v_xid := pg_current_xact_id();
      v_first := nextval('"${schema}".pos'); RAISE SQLSTATE 'ES000'; EXCEPTION WHEN SQLSTATE 'ES000' THEN NULL; END;`,
    insert: `INSERT INTO ${table} (position, xid, stream, version, data) VALUES (v_first, v_xid, p_stream, 1, p_data::jsonb);`,
  },
  {
    name: '+ pg_notify (the store append function, minus its argument arrays)',
    body: `BEGIN PERFORM pg_advisory_xact_lock(hashtextextended('${schema}', 0)); v_xid := pg_current_xact_id();
      v_first := nextval('"${schema}".pos'); RAISE SQLSTATE 'ES000'; EXCEPTION WHEN SQLSTATE 'ES000' THEN NULL; END;
      PERFORM pg_notify('${schema}', '');`,
    insert: `INSERT INTO ${table} (position, xid, stream, version, data) VALUES (v_first, v_xid, p_stream, 1, p_data::jsonb);`,
  },
  {
    name: 'alternative: session lock + explicit unlock, no sub-transaction (with pg_notify)',
    body: `PERFORM pg_advisory_lock(hashtextextended('${schema}', 0)); v_xid := pg_current_xact_id();
      v_first := nextval('"${schema}".pos'); PERFORM pg_advisory_unlock(hashtextextended('${schema}', 0));
      PERFORM pg_notify('${schema}', '');`,
    insert: `INSERT INTO ${table} (position, xid, stream, version, data) VALUES (v_first, v_xid, p_stream, 1, p_data::jsonb);`,
  },
];

async function main(): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY });
  try {
    await pool.query(`CREATE SCHEMA "${schema}"; CREATE SEQUENCE "${schema}".pos;
      CREATE TABLE ${table} (position bigint PRIMARY KEY, xid xid8, stream text NOT NULL, version integer NOT NULL,
        data jsonb NOT NULL, UNIQUE (stream, version))`);
    for (const [index, step] of STEPS.entries()) {
      await pool.query(`CREATE FUNCTION "${schema}".step${index}(p_stream text, p_data text) RETURNS void
        LANGUAGE plpgsql AS $f$ DECLARE v_xid xid8; v_first bigint; BEGIN ${step.body} ${step.insert} END $f$`);
    }
    const store = await PostgreSQLEventStore.create({
      pool,
      schema: `${schema}_store`,
      eventRegistry: benchRegistry(),
      enableTracing: false,
    });
    const statements: { name: string; text: string; run?: (index: number) => Promise<unknown> }[] = [
      {
        name: 'plain prepared INSERT (the limit)',
        text: `INSERT INTO ${table} (position, stream, version, data) VALUES (nextval('"${schema}".pos'), $1, 1, $2)`,
      },
      ...STEPS.map((step, index) => ({ name: step.name, text: `SELECT "${schema}".step${index}($1, $2)` })),
      {
        name: 'the store: PostgreSQLEventStore.appendEvents (tracing off)',
        text: `"${schema}_store"`,
        run: (index) => {
          const aggregateId = `${index}-${randomUUID()}`;
          return store.appendEvents(
            aggregateId,
            AGGREGATE_TYPE,
            [DidSomething.create(payload(index), { aggregateId })],
            'no_stream',
          );
        },
      },
    ];
    const statsBefore = await statementStats(pool);
    const throughputs = statements.map(() => [] as number[]);
    for (let round = 0; round < rounds + 1; round += 1) {
      for (let offset = 0; offset < statements.length; offset += 1) {
        const index = (round + offset) % statements.length;
        const statement = statements[index]!;
        const started = performance.now();
        let next = 0;
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next < operations) {
              next += 1;
              if (statement.run !== undefined) {
                await statement.run(next);
                continue;
              }
              await pool.query({
                name: `cost_${index}`,
                text: statement.text,
                values: [randomUUID(), '{"id":1,"description":"something weird"}'],
              });
            }
          }),
        );
        // Round 0 warms every step up and is not counted.
        if (round > 0) throughputs[index]!.push(operations / ((performance.now() - started) / 1000));
      }
    }
    const statsAfter = await statementStats(pool);
    await store.close();
    const medians = throughputs.map((values) => [...values].sort((a, b) => a - b)[values.length >> 1]!);
    console.log(`${CONCURRENCY} clients, ${operations} appends per run, ${rounds} rounds (median):`);
    console.log('| Step | appends/s | µs per append (wall) | Δ µs vs previous | server ms/call |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    statements.forEach((statement, index) => {
      const perAppend = 1e6 / medians[index]!;
      const previous = index === 0 ? perAppend : 1e6 / medians[index - 1]!;
      const server = serverTime(statsBefore, statsAfter, statement.text);
      console.log(
        `| ${statement.name} | ${Math.round(medians[index]!)} | ${perAppend.toFixed(1)} | ${index === 0 ? '–' : (perAppend - previous).toFixed(1)} | ${server} |`,
      );
    });
    if (statsAfter !== undefined) {
      console.log('\npg_stat_statements, statements of this run (nested ones included when track = all):');
      console.log('| Statement | calls | mean ms | total ms |');
      console.log('| --- | ---: | ---: | ---: |');
      const rows = await pool.query<{ query: string; calls: string; mean: number; total: number }>(
        `SELECT query, calls, mean_exec_time AS mean, total_exec_time AS total FROM pg_stat_statements
          WHERE calls >= $1 ORDER BY total_exec_time DESC LIMIT 20`,
        [operations],
      );
      for (const row of rows.rows)
        console.log(
          `| \`${row.query.replace(/\s+/g, ' ').slice(0, 110)}\` | ${row.calls} | ${row.mean.toFixed(4)} | ${Math.round(row.total)} |`,
        );
    }
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}_store" CASCADE`).catch(() => undefined);
    await pool.end();
  }
}

type Stats = Map<string, { calls: number; totalMs: number }> | undefined;

/** pg_stat_statements' calls and execution time per statement, when the server has it loaded. */
async function statementStats(pool: pg.Pool): Promise<Stats> {
  try {
    const result = await pool.query<{ query: string; calls: string; total: number }>(
      `SELECT query, calls, total_exec_time AS total FROM pg_stat_statements WHERE query LIKE $1`,
      [`%${schema}%`],
    );
    return new Map(
      result.rows.map((row) => [
        row.query.replace(/\s+/g, ' '),
        { calls: Number(row.calls), totalMs: row.total },
      ]),
    );
  } catch {
    return undefined;
  }
}

function serverTime(before: Stats, after: Stats, text: string): string {
  if (before === undefined || after === undefined) return 'n/a (pg_stat_statements not loaded)';
  const key = text.replace(/\s+/g, ' ');
  const end =
    after.get(key) ?? [...after].find(([query]) => query.includes(key) && query.includes('_append('))?.[1];
  if (end === undefined) return 'n/a';
  const start = before.get(key) ?? { calls: 0, totalMs: 0 };
  const calls = end.calls - start.calls;
  return calls === 0 ? 'n/a' : ((end.totalMs - start.totalMs) / calls).toFixed(3);
}

await main();
