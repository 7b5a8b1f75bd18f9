import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test database: `EVENTSOURCE_POSTGRES_URL`, defaulting to the native/docker-compose service. */
export const postgresUrl =
  process.env.EVENTSOURCE_POSTGRES_URL?.trim() ||
  'postgres://eventsource:eventsource@127.0.0.1:5432/eventsource';

export function createPool(options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 10, ...options });
  pool.on('error', () => undefined);
  return pool;
}

/** A schema name no other test uses. */
export function randomSchema(): string {
  return `es_test_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
