import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { connectionAttributes, connectionTarget } from '../src/index.ts';

describe('connection attributes', () => {
  it('names the server and database from a connection string but never the user or password', () => {
    const withUrl = new pg.Pool({ connectionString: 'postgres://alice:s3cret@db.internal:6543/orders' });
    const attributes = connectionAttributes(withUrl);
    expect(attributes).toEqual({
      'db.system': 'postgresql',
      'db.system.name': 'postgresql',
      'db.name': 'orders',
      'db.namespace': 'orders',
      'server.address': 'db.internal',
      'server.port': 6543,
    });
    expect(JSON.stringify(attributes)).not.toMatch(/alice|s3cret/);
  });

  it('reads explicit pool fields, never the password', () => {
    const withFields = new pg.Pool({
      host: 'pg.local',
      port: 5433,
      database: 'ledger',
      user: 'bob',
      password: 'hunter2',
    });
    expect(connectionAttributes(withFields)).toMatchObject({
      'server.address': 'pg.local',
      'server.port': 5433,
      'db.namespace': 'ledger',
    });
    expect(JSON.stringify(connectionAttributes(withFields))).not.toMatch(/hunter2/);
  });

  it('falls back to the database named after the user, as pg does, when none is given', () => {
    const target = connectionTarget(new pg.Pool({ host: 'h', port: 1, user: 'carol' }));
    expect(target).toEqual({ host: 'h', port: 1, database: process.env.PGDATABASE ?? 'carol' });
  });
});
