import type pg from 'pg';
import { createPool } from './database.ts';

/**
 * Holds chosen appends open on purpose: a trigger on the events table makes any append to an
 * aggregate whose id starts with `held-` wait, after its rows are inserted and before it commits,
 * on an advisory lock this helper's own session holds. `release()` lets them commit.
 */
export class HeldAppends {
  readonly #schema: string;
  readonly #gate: pg.Pool;
  #client: pg.PoolClient | undefined;
  readonly #key: number;

  constructor(schema: string) {
    this.#schema = schema;
    this.#gate = createPool({ max: 2 });
    this.#key = Math.floor(Math.random() * 2 ** 31);
  }

  /** Installs the trigger on `eventsTable` and closes the gate. */
  async install(eventsTable = 'events'): Promise<void> {
    const schema = `"${this.#schema}"`;
    await this.#gate
      .query(`CREATE OR REPLACE FUNCTION ${schema}.hold_append() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock_shared(${this.#key}); RETURN NULL; END $$`);
    await this.#gate.query(`CREATE TRIGGER hold_append AFTER INSERT ON ${schema}."${eventsTable}"
      FOR EACH ROW WHEN (NEW.aggregate_id LIKE 'held-%') EXECUTE FUNCTION ${schema}.hold_append()`);
    await this.close();
  }

  /** Closes the gate: held appends wait until `release()`. */
  async close(): Promise<void> {
    this.#client ??= await this.#gate.connect();
    await this.#client.query('SELECT pg_advisory_lock($1)', [this.#key]);
  }

  async release(): Promise<void> {
    await this.#client?.query('SELECT pg_advisory_unlock($1)', [this.#key]);
  }

  /** Backend pids of appends currently waiting at the gate. */
  async waiting(): Promise<number[]> {
    const result = await this.#gate.query<{ pid: number }>(
      `SELECT l.pid FROM pg_locks l
        WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objid = $1::bigint::oid AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [this.#key],
    );
    return result.rows.map((row) => row.pid);
  }

  /** Resolves once `count` appends wait at the gate. */
  async waitForHeld(count = 1, timeoutMs = 10_000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pids = await this.waiting();
      if (pids.length >= count) return pids;
      if (Date.now() > deadline) throw new Error(`Expected ${count} held append(s), found ${pids.length}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** The highest position any session could see without the xmin horizon (what a naive reader would use). */
  async naiveHead(eventsTable = 'events'): Promise<number> {
    const result = await this.#gate.query<{ head: string }>(
      `SELECT coalesce(max(global_position), 0) AS head FROM "${this.#schema}"."${eventsTable}"`,
    );
    return Number(result.rows[0]!.head);
  }

  async dispose(): Promise<void> {
    await this.release().catch(() => undefined);
    this.#client?.release();
    this.#client = undefined;
    await this.#gate.end();
  }
}
