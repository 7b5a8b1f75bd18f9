import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { defineEvent, NotFoundError, type DLQRepository, type EventRegistry } from '@eventsource/core';
import { serializeEvent, type SerializedEvent } from '@eventsource/core/kit';
import { captureTelemetry, type TelemetryCapture } from '../telemetry.ts';
import { itemsAdded, contractRegistry, resolveSubject, uniqueId, type ContractSubject } from './fixtures.ts';

/** The behaviour every `DLQRepository` must have. */
export function dlqRepositoryContract(
  name: string,
  create: (context: { readonly registry: EventRegistry }) => Promise<ContractSubject<DLQRepository>>,
): void {
  describe(`DLQRepository contract: ${name}`, () => {
    let telemetry: TelemetryCapture;
    let repository: DLQRepository;
    let dispose: () => Promise<void>;

    beforeAll(() => {
      telemetry = captureTelemetry();
    });
    afterAll(async () => telemetry.shutdown());
    beforeEach(async () => {
      ({ subject: repository, dispose } = await resolveSubject(
        await create({ registry: contractRegistry() }),
      ));
      telemetry.reset();
    });
    afterEach(async () => {
      await repository.close();
      await dispose();
    });

    it('stores a failed event with the error, and updates it when it fails again', async () => {
      const consumerName = uniqueId('consumer');
      const [event] = itemsAdded(uniqueId('cart'), 1);
      const first = await repository.add({
        consumerName,
        event: event!,
        globalPosition: 42,
        error: new TypeError('boom'),
        retryCount: 3,
      });
      expect(first).toMatchObject({
        consumerName,
        errorType: 'TypeError',
        errorMessage: 'boom',
        retryCount: 3,
        status: 'failed',
        globalPosition: 42,
      });
      expect(first).toMatchObject({ eventId: event!.eventId, eventType: event!.eventType, raw: null });
      expect(first.event!.eventId).toBe(event!.eventId);
      expect(first.event!.data).toEqual(event!.data);
      const again = await repository.add({
        consumerName,
        event: event!,
        error: new RangeError('again'),
        retryCount: 5,
      });
      expect(again.id).toBe(first.id);
      expect(again).toMatchObject({ retryCount: 5, errorType: 'RangeError', errorMessage: 'again' });
      expect(again.firstFailedAt.getTime()).toBe(first.firstFailedAt.getTime());
      expect(await repository.get(first.id)).toMatchObject({ id: first.id, retryCount: 5 });
    });

    it('lists by consumer and status, resolves, retries and counts unresolved entries', async () => {
      const consumerName = uniqueId('consumer');
      const events = itemsAdded(uniqueId('cart'), 3);
      const entries = [];
      for (const event of events)
        entries.push(await repository.add({ consumerName, event, error: new Error('x'), retryCount: 1 }));
      const before = await repository.count();
      expect((await repository.list({ consumerName })).map((entry) => entry.id).sort()).toEqual(
        entries.map((entry) => entry.id).sort(),
      );
      await repository.resolve(entries[0]!.id, 'operator');
      expect(await repository.get(entries[0]!.id)).toMatchObject({
        status: 'resolved',
        resolvedBy: 'operator',
      });
      expect((await repository.retry(entries[1]!.id)).status).toBe('retrying');
      expect((await repository.list({ consumerName, status: 'failed' })).map((entry) => entry.id)).toEqual([
        entries[2]!.id,
      ]);
      expect(await repository.count()).toBe(before - 1);
      expect(await repository.count({ consumerName })).toBe(2);
      expect(await repository.count({ consumerName: uniqueId('nobody') })).toBe(0);
      expect(await repository.list({ consumerName, limit: 1 })).toHaveLength(1);
    });

    it('keeps an event that cannot be decoded in its raw form, and lists it with the others', async () => {
      const consumerName = uniqueId('consumer');
      const [event] = itemsAdded(uniqueId('cart'), 1);
      // A type no registry knows: whatever the adapter tries, this cannot be decoded.
      const raw: SerializedEvent = {
        ...serializeEvent(event!),
        eventType: 'ContractNeverRegistered',
        data: '{"note":{"$$bigint":"12x"},"serial":{"$bigint":"9007199254740993"}}',
      };
      const entry = await repository.add({
        consumerName,
        raw,
        globalPosition: 7,
        error: new Error('cannot be decoded'),
        retryCount: 0,
      });
      expect(entry).toMatchObject({ eventId: raw.eventId, eventType: raw.eventType, event: null });
      for (const read of [
        await repository.get(entry.id),
        (await repository.list({ consumerName }))[0],
        await repository.retry(entry.id),
      ]) {
        expect(read).toMatchObject({ id: entry.id, eventId: raw.eventId, globalPosition: 7 });
        // The stored form, as JSON: a store may normalise the text (JSONB reorders keys).
        const stored = read!.raw ?? raw;
        expect(JSON.parse(stored.data)).toEqual(JSON.parse(raw.data));
        expect(stored).toMatchObject({
          aggregateId: raw.aggregateId,
          aggregateVersion: raw.aggregateVersion,
        });
      }
      expect(await repository.count({ consumerName })).toBe(1);
    });

    it('still lists an entry whose event type the registry does not know', async () => {
      const consumerName = uniqueId('consumer');
      const Unknown = defineEvent<{ value: number }, 'ContractUnknownToRegistry'>(
        'ContractUnknownToRegistry',
        {
          aggregateType: 'ContractCart',
        },
      );
      const event = Unknown.create({ value: 1 }, { aggregateId: uniqueId('cart') });
      const entry = await repository.add({ consumerName, event, error: new Error('x'), retryCount: 1 });
      const [listed] = await repository.list({ consumerName });
      expect(listed).toMatchObject({ id: entry.id, eventId: event.eventId, eventType: event.eventType });
      const data = listed!.event === null ? JSON.parse(listed!.raw!.data) : listed!.event.data;
      expect(data).toEqual({ value: 1 });
    });

    it('throws NotFoundError for unknown ids and returns undefined on get', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      expect(await repository.get(id)).toBeUndefined();
      await expect(repository.resolve(id, 'x')).rejects.toBeInstanceOf(NotFoundError);
      await expect(repository.retry(id)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('emits the eventsource.dlq.* spans', async () => {
      const [event] = itemsAdded(uniqueId('cart'), 1);
      const entry = await repository.add({
        consumerName: uniqueId('consumer'),
        event: event!,
        error: new Error('x'),
        retryCount: 0,
      });
      await repository.get(entry.id);
      await repository.retry(entry.id);
      await repository.resolve(entry.id, 'me');
      const names = telemetry.spans().map((span) => span.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'eventsource.dlq.add',
          'eventsource.dlq.get',
          'eventsource.dlq.retry',
          'eventsource.dlq.resolve',
        ]),
      );
    });

    it('closes twice without error', async () => {
      await repository.close();
      await expect(repository.close()).resolves.toBeUndefined();
    });
  });
}
