import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { defineEvent, EventRegistry } from '@eventsource/core';
import { SQLiteDLQRepository } from '../src/index.ts';

const InvoiceSent = defineEvent<{ total: number }>('InvoiceSent', { aggregateType: 'Invoice' });
const InvoiceVoided = defineEvent<{ reason: string }>('InvoiceVoided', { aggregateType: 'Invoice' });

describe('SQLiteDLQRepository with an entry its registry cannot decode', () => {
  let database: Database.Database;
  beforeEach(() => {
    database = new Database(':memory:');
  });
  afterEach(() => {
    database.close();
  });

  it('lists, gets and retries it with event null and its stored form as raw', async () => {
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
    const voidedEvent = InvoiceVoided.create({ reason: 'duplicate' }, { aggregateId: 'invoice-2' });
    const voided = await writing.add({
      consumerName: 'billing',
      event: voidedEvent,
      error: new Error('ledger closed'),
      retryCount: 3,
    });

    expect((await reading.list()).map((entry) => entry.id).sort()).toEqual([sent.id, voided.id].sort());
    expect(await reading.count()).toBe(2);
    for (const entry of [await reading.get(voided.id), await reading.retry(voided.id)]) {
      expect(entry).toMatchObject({ eventId: voidedEvent.eventId, eventType: 'InvoiceVoided', event: null });
      expect(JSON.parse(entry!.raw!.data)).toEqual({ reason: 'duplicate' });
      expect(entry!.raw).toMatchObject({ aggregateId: 'invoice-2', aggregateVersion: 1 });
    }
    expect((await reading.get(sent.id))?.event?.eventId).toBe(sent.eventId);
  });

  it('shows a row whose event column is not JSON at all, its text kept whole', async () => {
    await using repository = new SQLiteDLQRepository({ database, eventRegistry: new EventRegistry() });
    const entry = await repository.add({
      consumerName: 'billing',
      event: InvoiceSent.create({ total: 10 }, { aggregateId: 'invoice-3' }),
      error: new Error('x'),
      retryCount: 0,
    });
    database.prepare(`UPDATE dead_letter_queue SET event = '{torn' WHERE id = ?`).run(entry.id);
    const [listed] = await repository.list();
    expect(listed).toMatchObject({ id: entry.id, eventId: entry.eventId, event: null });
    expect(listed!.raw!.data).toBe('{torn');
  });
});
