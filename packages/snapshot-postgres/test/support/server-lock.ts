import pg from 'pg';
import { postgresUrl } from './database.ts';

/**
 * `readAll` only returns rows below the oldest transaction still running anywhere on the server, so
 * a test that holds a write transaction open (on purpose, as the gap-safety and fault tests do, or
 * for a moment, as every migration does) holds back every reader on the server meanwhile. Each
 * PostgreSQL test file of this package and of `@eventsource/snapshot-postgres` takes this lock for
 * its whole run, so files running in parallel workers never see each other's open transactions.
 * Returns the release function.
 */
export async function lockServer(): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: postgresUrl });
  client.on('error', () => undefined);
  await client.connect();
  await client.query(`SELECT pg_advisory_lock(hashtextextended('eventsource-tests:xmin-horizon', 0))`);
  return async () => {
    await client.end();
  };
}

/** How long a file may wait for the other files to finish. */
export const SERVER_LOCK_TIMEOUT_MS = 300_000;
