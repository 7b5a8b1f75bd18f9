import type pg from 'pg';
import type { DomainEvent } from '@eventsource/core';
import { evolveView, type OrderReadModel, type OrderView } from './order-view.ts';

/**
 * The read model as a table (`order_view`) in the demo's PostgreSQL schema: the worker writes it,
 * the order service reads it. Each event is applied in a transaction holding the row's lock, so
 * two workers of one group never interleave on one order.
 */
export class PostgreSQLOrderReadModel implements OrderReadModel {
  readonly #pool: pg.Pool;
  readonly #table: string;

  private constructor(pool: pg.Pool, schema: string) {
    this.#pool = pool;
    this.#table = `"${schema}".order_view`;
  }

  /** `schema` must be a plain identifier (the caller validated it: it is also the event store's). */
  static async create(pool: pg.Pool, schema: string): Promise<PostgreSQLOrderReadModel> {
    const model = new PostgreSQLOrderReadModel(pool, schema);
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${model.#table} (order_id text PRIMARY KEY, version integer NOT NULL, view jsonb NOT NULL)`,
    );
    return model;
  }

  async get(orderId: string): Promise<OrderView | undefined> {
    const result = await this.#pool.query<{ view: OrderView }>(
      `SELECT view FROM ${this.#table} WHERE order_id = $1`,
      [orderId],
    );
    return result.rows[0]?.view;
  }

  async apply(event: DomainEvent): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      // An empty row first, so there is always a row to lock, even for the order's first event.
      await client.query(
        `INSERT INTO ${this.#table} (order_id, version, view) VALUES ($1, 0, 'null') ON CONFLICT (order_id) DO NOTHING`,
        [event.aggregateId],
      );
      const current = await client.query<{ view: OrderView | null }>(
        `SELECT view FROM ${this.#table} WHERE order_id = $1 FOR UPDATE`,
        [event.aggregateId],
      );
      const next = evolveView(current.rows[0]?.view ?? undefined, event);
      if (next !== undefined) {
        await client.query(`UPDATE ${this.#table} SET version = $2, view = $3 WHERE order_id = $1`, [
          next.orderId,
          next.version,
          JSON.stringify(next),
        ]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {}
}
