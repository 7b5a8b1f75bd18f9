import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryConfig, QueryResultRow } from 'pg';
import { isConnectionError, translatePostgresError } from './errors.ts';

/**
 * Runs `work` on a client checked out of the borrowed pool. While the client is out, a connection
 * error (the backend killed, the socket dropped) is caught here instead of crashing the process,
 * and the client is handed back as broken so the pool replaces it. Statement errors on a healthy
 * connection (a unique violation, say) leave the client in the pool with its prepared statements.
 */
export async function withClient<T>(
  pool: Pool,
  operation: string,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translatePostgresError(error, operation);
  }
  let broken: unknown;
  const onError = (error: unknown): void => {
    broken ??= error;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (error) {
    if (isConnectionError(error)) broken ??= error;
    throw translatePostgresError(error, operation);
  } finally {
    client.off('error', onError);
    client.release(broken === undefined ? undefined : broken instanceof Error ? broken : true);
  }
}

/** One statement on a pooled client, errors translated. */
export function query<Row extends QueryResultRow>(
  pool: Pool,
  operation: string,
  config: QueryConfig,
): Promise<Row[]> {
  return withClient(pool, operation, async (client) => (await client.query<Row>(config)).rows);
}

/** Runs `work` inside BEGIN ... COMMIT, rolling back on any error. */
export function withTransaction<T>(
  pool: Pool,
  operation: string,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  return withClient(pool, operation, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (!isConnectionError(error)) await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/**
 * A prepared-statement name unique to `text`: `pg` prepares a named statement once per connection
 * and refuses a second text under the same name, so the name is derived from the text itself.
 */
export function statementName(purpose: string, text: string): string {
  return `es_${purpose}_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
}

/** A reusable named statement: `statement(values)` gives the config for one execution. */
export function preparedStatement(
  purpose: string,
  text: string,
): (values: readonly unknown[]) => QueryConfig {
  const name = statementName(purpose, text);
  return (values) => ({ name, text, values: values as unknown[] });
}
