import { expect, it } from '@jest/globals';
import { InvalidArgumentError, UnavailableError } from '@eventsource/core';
import pg from 'pg';
import {
  connectionAttributes,
  preparedStatement,
  qualifiedName,
  translatePostgresError,
} from '../src/index.ts';
import { readmeExample } from '../../../tooling/config/readme-example.ts';

it('runs the README usage example', async () => {
  // README example, from here:
  const pool = new pg.Pool({ connectionString: 'postgres://app:secret@db.internal:5432/orders' });
  const notes = qualifiedName('app', 'notes'); // "app"."notes"; an unsafe name throws InvalidArgumentError
  const readNotes = preparedStatement('read_notes', `SELECT body FROM ${notes} WHERE id > $1`);
  const config = readNotes([0]); // { name: 'es_read_notes_<hash>', text, values: [0] }, for pool.query(config)
  const attributes = connectionAttributes(pool); // server.address db.internal, db.namespace orders: no credentials
  const lost = translatePostgresError(
    Object.assign(new Error('terminating connection'), { code: '57P01' }),
    'read_notes',
  );
  await pool.end(); // lost: UnavailableError with the driver error as cause
  // README example, to here.
  expect(notes).toBe('"app"."notes"');
  expect(() => qualifiedName('app', 'notes; DROP TABLE x')).toThrow(InvalidArgumentError);
  expect(config).toMatchObject({
    name: expect.stringMatching(/^es_read_notes_/),
    text: 'SELECT body FROM "app"."notes" WHERE id > $1',
    values: [0],
  });
  expect(attributes).toMatchObject({ 'server.address': 'db.internal', 'db.namespace': 'orders' });
  expect(JSON.stringify(attributes)).not.toMatch(/secret/);
  expect(lost).toBeInstanceOf(UnavailableError);
});

it('keeps the README example identical to the code above', () => {
  const { readme, test } = readmeExample(new URL('../README.md', import.meta.url), new URL(import.meta.url));
  expect(readme).toBe(test);
});
