import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import {
  AuthenticationError,
  DatabaseNotFoundError,
  InvalidArgumentError,
  UnavailableError,
} from '@eventsource/core';
import { query, sqlState, withClient } from '../src/index.ts';

const postgresUrl =
  process.env.EVENTSOURCE_POSTGRES_URL?.trim() ||
  'postgres://eventsource:eventsource@127.0.0.1:5432/eventsource';

function poolFor(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000 });
  pool.on('error', () => undefined);
  return pool;
}

function withUrl(change: (url: URL) => void): string {
  const url = new URL(postgresUrl);
  change(url);
  return url.toString();
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected a failure');
  return outcome;
}

/** Each class of driver error, provoked on the real server, reaches the caller translated. */
describe('PostgreSQL driver errors, translated at the kit boundary', () => {
  const pool = poolFor(postgresUrl);
  afterAll(async () => pool.end());

  it('a value over a server limit (54000, index row too big) is InvalidArgumentError', async () => {
    const error = await failure(
      withClient(pool, 'append_events', async (client) => {
        await client.query('CREATE TEMP TABLE probe_limit (id text PRIMARY KEY)');
        await client.query('INSERT INTO probe_limit VALUES ($1)', [randomBytes(8_000).toString('base64')]);
      }),
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.name).toBe('InvalidArgumentError');
    expect(sqlState(error)).toBe('54000');
    expect(error.message).toContain('append_events (54000)');
  });

  it('a NUL in text (22021) is InvalidArgumentError', async () => {
    const error = await failure(
      query(pool, 'get_events', { text: 'SELECT $1::text', values: ['acct-\u0000'] }),
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(sqlState(error)).toBe('22021');
  });

  it('a lone surrogate in a JSON payload (22P02) and a NUL escape (22P05) are InvalidArgumentError', async () => {
    for (const [json, code] of [
      [JSON.stringify({ note: 'x\ud800' }), '22P02'],
      [JSON.stringify({ note: 'x\u0000' }), '22P05'],
    ] as const) {
      const error = await failure(query(pool, 'append_events', { text: 'SELECT $1::jsonb', values: [json] }));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(sqlState(error)).toBe(code);
    }
  });

  it('a wrong password (28P01) is AuthenticationError, and the password appears nowhere', async () => {
    const password = `wrong-${randomBytes(8).toString('hex')}`;
    const wrong = poolFor(
      withUrl((url) => {
        url.password = password;
      }),
    );
    try {
      const error = await failure(query(wrong, 'get_events', { text: 'SELECT 1' }));
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.name).toBe('AuthenticationError');
      expect(sqlState(error)).toBe('28P01');
      expect(error.message).toMatch(/credentials/);
      expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain(password);
    } finally {
      await wrong.end();
    }
  });

  it('an unknown database (3D000) is DatabaseNotFoundError naming it', async () => {
    const database = `es_missing_${randomBytes(6).toString('hex')}`;
    const missing = poolFor(
      withUrl((url) => {
        url.pathname = `/${database}`;
      }),
    );
    try {
      const error = await failure(query(missing, 'read_all', { text: 'SELECT 1' }));
      expect(error).toBeInstanceOf(DatabaseNotFoundError);
      expect(sqlState(error)).toBe('3D000');
      expect(error.message).toContain(database);
    } finally {
      await missing.end();
    }
  });

  it('a statement cancelled by its timeout (57014) is UnavailableError', async () => {
    const error = await failure(
      withClient(pool, 'read_all', async (client) => {
        await client.query(`SET statement_timeout = '50ms'`);
        try {
          await client.query('SELECT pg_sleep(2)');
        } finally {
          await client.query('RESET statement_timeout');
        }
      }),
    );
    expect(error).toBeInstanceOf(UnavailableError);
    expect(sqlState(error)).toBe('57014');
  });

  it('a unique violation (23505) is InvalidArgumentError whose constraint is still readable', async () => {
    const error = await failure(
      withClient(pool, 'append_events', async (client) => {
        await client.query('CREATE TEMP TABLE probe_unique (id text PRIMARY KEY)');
        await client.query(`INSERT INTO probe_unique VALUES ('a'), ('a')`);
      }),
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(sqlState(error)).toBe('23505');
  });
});
