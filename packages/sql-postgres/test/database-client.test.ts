import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError, UnavailableError } from '@eventsource/core';
import {
  preparedStatement,
  query,
  statementName,
  violatedConstraint,
  withClient,
  withTransaction,
} from '../src/index.ts';
import { databaseError, FakeClient, fakePool } from './fake-pool.ts';

describe('withClient', () => {
  it('returns the work result and hands a healthy client back to the pool', async () => {
    const client = new FakeClient(() => ({ rows: [{ one: 1 }], rowCount: 1 }));
    await expect(query(fakePool(client), 'probe', { text: 'SELECT 1 AS one' })).resolves.toEqual([
      { one: 1 },
    ]);
    expect(client.released).toEqual([undefined]);
    expect(client.listenerCount('error')).toBe(0);
  });

  it('keeps the client after a statement error, translated with its constraint still readable', async () => {
    const duplicate = databaseError('23505', { constraint: 'events_stream_key' });
    const client = new FakeClient(() => duplicate);
    const failure = query(fakePool(client), 'append', { text: 'INSERT' });
    await expect(failure).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(failure).rejects.toMatchObject({ cause: duplicate });
    expect(violatedConstraint(await failure.catch((error: unknown) => error))).toBe('events_stream_key');
    expect(client.released).toEqual([undefined]);
  });

  it('hands the client back as broken after a connection error, translated to UnavailableError', async () => {
    const terminated = databaseError('57P01');
    const client = new FakeClient(() => terminated);
    const failure = query(fakePool(client), 'read_all', { text: 'SELECT' });
    await expect(failure).rejects.toBeInstanceOf(UnavailableError);
    await expect(failure).rejects.toMatchObject({ cause: terminated });
    expect(client.released).toEqual([terminated]);
  });

  it('hands the client back as broken when it emitted an error while out, even if the work succeeded', async () => {
    const client = new FakeClient();
    const dropped = new Error('Connection terminated unexpectedly');
    await withClient(fakePool(client), 'probe', async () => {
      client.emit('error', dropped);
    });
    expect(client.released).toEqual([dropped]);
    expect(client.listenerCount('error')).toBe(0);
  });

  it('translates a failure to connect', async () => {
    const refused = databaseError('ECONNREFUSED');
    const failure = withClient(fakePool(new FakeClient(), refused), 'probe', async () => undefined);
    await expect(failure).rejects.toBeInstanceOf(UnavailableError);
    await expect(failure).rejects.toMatchObject({ cause: refused });
  });
});

describe('withTransaction', () => {
  it('commits work that succeeds', async () => {
    const client = new FakeClient();
    const result = await withTransaction(fakePool(client), 'probe', async (borrowed) => {
      await borrowed.query('UPDATE t SET x = 1');
      return 'done';
    });
    expect(result).toBe('done');
    expect(client.statements).toEqual(['BEGIN', 'UPDATE t SET x = 1', 'COMMIT']);
  });

  it('rolls back work that fails and rethrows its error', async () => {
    const client = new FakeClient();
    const failure = new Error('work failed');
    await expect(
      withTransaction(fakePool(client), 'probe', async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(client.statements).toEqual(['BEGIN', 'ROLLBACK']);
    expect(client.released).toEqual([undefined]);
  });

  it('sends no ROLLBACK on a lost connection', async () => {
    const client = new FakeClient((text) =>
      text.startsWith('UPDATE') ? databaseError('08006') : { rows: [], rowCount: 0 },
    );
    await expect(
      withTransaction(fakePool(client), 'probe', (borrowed) => borrowed.query('UPDATE t SET x = 1')),
    ).rejects.toBeInstanceOf(UnavailableError);
    expect(client.statements).toEqual(['BEGIN', 'UPDATE t SET x = 1']);
  });
});

describe('prepared statements', () => {
  it('derive their name from the text, so one name never means two texts', () => {
    expect(statementName('read', 'SELECT 1')).toBe(statementName('read', 'SELECT 1'));
    expect(statementName('read', 'SELECT 1')).not.toBe(statementName('read', 'SELECT 2'));
    expect(statementName('read', 'SELECT 1')).toMatch(/^es_read_[0-9a-f]{16}$/);
    const statement = preparedStatement('read', 'SELECT $1::int');
    expect(statement([7])).toEqual({
      name: statementName('read', 'SELECT $1::int'),
      text: 'SELECT $1::int',
      values: [7],
    });
  });
});
