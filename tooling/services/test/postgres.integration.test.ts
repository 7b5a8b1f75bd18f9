import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { serviceAddresses } from '../src/addresses.ts';
import { uniqueName } from './unique-name.ts';

describe('PostgreSQL through pg', () => {
  const pool = new pg.Pool({ connectionString: serviceAddresses().postgresUrl, max: 4 });
  const schema = uniqueName('smoke').replaceAll('-', '_');

  beforeAll(async () => {
    await pool.query(`create schema ${schema}`);
  });

  afterAll(async () => {
    await pool.query(`drop schema if exists ${schema} cascade`);
    await pool.end();
  });

  it('writes rows in a transaction and reads them back', async () => {
    await pool.query(
      `create table ${schema}.events (position bigserial primary key, stream_id text not null, payload jsonb not null)`,
    );
    const client = await pool.connect();
    try {
      await client.query('begin');
      const transaction = await client.query<{ id: string }>('select pg_current_xact_id()::text as id');
      expect(BigInt(transaction.rows[0]!.id)).toBeGreaterThan(0n);
      for (const amount of [10, 20, 30]) {
        await client.query(`insert into ${schema}.events (stream_id, payload) values ($1, $2)`, [
          'order-1',
          { amount },
        ]);
      }
      await client.query('commit');
    } finally {
      client.release();
    }
    const rows = await pool.query<{ stream_id: string; payload: { amount: number } }>(
      `select stream_id, payload from ${schema}.events order by position`,
    );
    expect(rows.rows).toEqual([
      { stream_id: 'order-1', payload: { amount: 10 } },
      { stream_id: 'order-1', payload: { amount: 20 } },
      { stream_id: 'order-1', payload: { amount: 30 } },
    ]);
  });

  it('allows the concurrent connections the store tests open', async () => {
    const result = await pool.query<{ max_connections: string }>('show max_connections');
    expect(Number(result.rows[0]!.max_connections)).toBeGreaterThanOrEqual(200);
  });
});
