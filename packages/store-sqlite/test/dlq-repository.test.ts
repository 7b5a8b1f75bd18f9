import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { defineEvent, EventRegistry, EventTypeNotFoundError } from '@eventsource/core';
import { SQLiteDLQRepository } from '../src/index.ts';
import { captureLogs } from './capture-logs.ts';

const InvoiceSent = defineEvent<{ total: number }>('InvoiceSent', { aggregateType: 'Invoice' });
const InvoiceVoided = defineEvent<{ reason: string }>('InvoiceVoided', { aggregateType: 'Invoice' });

describe('SQLiteDLQRepository with an entry its registry cannot decode', () => {
  let logs: ReturnType<typeof captureLogs>;
  let database: Database.Database;
  beforeEach(() => {
    logs = captureLogs();
    database = new Database(':memory:');
  });
  afterEach(() => {
    logs.restore();
    database.close();
  });

  it('lists the other entries and logs the one left out; get of its id throws the decoding error', async () => {
    const writer = new EventRegistry();
    writer.register(InvoiceSent);
    writer.register(InvoiceVoided);
    const reader = new EventRegistry();
    reader.register(InvoiceSent);
    await using writing = new SQLiteDLQRepository({ database, eventRegistry: writer });
    await using reading = new SQLiteDLQRepository({ database, eventRegistry: reader });
    const sent = await writing.add({
      consumerName: 'billing',
      event: InvoiceSent.create({ total: 10 }, { aggregateId: 'invoice-1' }),
      error: new Error('mail server down'),
      retryCount: 3,
    });
    const voided = await writing.add({
      consumerName: 'billing',
      event: InvoiceVoided.create({ reason: 'duplicate' }, { aggregateId: 'invoice-2' }),
      error: new Error('ledger closed'),
      retryCount: 3,
    });

    expect((await reading.list()).map((entry) => entry.id)).toEqual([sent.id]);
    expect(await reading.count()).toBe(2);
    expect(logs.records).toContainEqual({
      level: 'warn',
      fields: {
        logger: 'eventsource.stores.sqlite',
        'eventsource.dlq.id': voided.id,
        'eventsource.event.type': 'InvoiceVoided',
        error: 'EventTypeNotFoundError',
      },
      message: 'dead letter cannot be decoded; left out of the list',
    });
    await expect(reading.get(voided.id)).rejects.toBeInstanceOf(EventTypeNotFoundError);
    expect((await reading.get(sent.id))?.event.eventId).toBe(sent.event.eventId);
  });
});
