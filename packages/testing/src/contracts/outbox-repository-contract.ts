import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { EventRegistry, OutboxRepository } from '@eventsource/core';
import { captureTelemetry, type TelemetryCapture } from '../telemetry.ts';
import { contractRegistry, itemsAdded, resolveSubject, uniqueId, type ContractSubject } from './fixtures.ts';

/**
 * The behaviour every `OutboxRepository` must have. The repository must be isolated (its own
 * schema or database) because the suite counts pending rows.
 */
export function outboxRepositoryContract(
  name: string,
  create: (context: { readonly registry: EventRegistry }) => Promise<ContractSubject<OutboxRepository>>,
): void {
  describe(`OutboxRepository contract: ${name}`, () => {
    let telemetry: TelemetryCapture;
    let outbox: OutboxRepository;
    let dispose: () => Promise<void>;

    beforeAll(() => {
      telemetry = captureTelemetry();
    });
    afterAll(async () => telemetry.shutdown());
    beforeEach(async () => {
      ({ subject: outbox, dispose } = await resolveSubject(await create({ registry: contractRegistry() })));
      telemetry.reset();
    });
    afterEach(async () => {
      await outbox.close();
      await dispose();
    });

    it('hands out pending rows oldest first, with the event intact, and leases them', async () => {
      const events = itemsAdded(uniqueId('cart'), 3);
      const before = await outbox.countPending();
      await outbox.add(events);
      expect(await outbox.countPending()).toBe(before + 3);
      const claimed = await outbox.getPending({ limit: 10 });
      const ours = claimed.filter((entry) => events.some((event) => event.eventId === entry.event.eventId));
      expect(ours.map((entry) => entry.event.eventId)).toEqual(events.map((event) => event.eventId));
      expect(ours[0]!.event.data).toEqual(events[0]!.data);
      expect(ours[0]).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await outbox.getPending({ limit: 10 })).toEqual([]);
    });

    it('never gives the same row to two concurrent claimers', async () => {
      // One event per aggregate: rows of one aggregate are never split between claimers.
      await outbox.add(Array.from({ length: 20 }, () => itemsAdded(uniqueId('cart'), 1)).flat());
      const [first, second] = await Promise.all([
        outbox.getPending({ limit: 15 }),
        outbox.getPending({ limit: 15 }),
      ]);
      const ids = [...first!, ...second!].map((entry) => entry.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBeGreaterThanOrEqual(20);
    });

    it('marks rows published, and retries or gives up on failed ones', async () => {
      await outbox.add(itemsAdded(uniqueId('cart'), 3));
      const [published, retried, abandoned] = await outbox.getPending({ limit: 3 });
      const pendingBefore = await outbox.countPending();
      await outbox.markPublished([published!.id]);
      await outbox.markFailed(retried!.id, 'broker down', new Date(Date.now() - 1000));
      await outbox.markFailed(abandoned!.id, 'poison', null);
      expect(await outbox.countPending()).toBe(pendingBefore - 2);
      const again = await outbox.getPending({ limit: 10 });
      expect(again.map((entry) => entry.id)).toEqual([retried!.id]);
      expect(again[0]).toMatchObject({ attempts: 1, lastError: 'broker down' });
    });

    it("holds back an aggregate's later rows while an earlier one waits for a retry or a lease", async () => {
      const cartId = uniqueId('cart');
      const otherId = uniqueId('cart');
      await outbox.add([...itemsAdded(cartId, 3), ...itemsAdded(otherId, 1)]);
      const [first] = await outbox.getPending({ limit: 1 });
      expect(first!.event.aggregateVersion).toBe(1);
      const whileLeased = await outbox.getPending({ limit: 10 });
      expect(whileLeased.map((entry) => entry.event.aggregateId)).toEqual([otherId]);
      await outbox.markFailed(first!.id, 'broker down', new Date(Date.now() + 60_000));
      expect(await outbox.getPending({ limit: 10 })).toEqual([]);
      await outbox.markFailed(first!.id, 'poison', null);
      expect((await outbox.getPending({ limit: 10 })).map((entry) => entry.event.aggregateVersion)).toEqual([
        2, 3,
      ]);
    });

    it('offers a row again once its lease expires', async () => {
      await outbox.add(itemsAdded(uniqueId('cart'), 1));
      const [claimed] = await outbox.getPending({ limit: 1, leaseMs: 50 });
      expect(claimed).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect((await outbox.getPending({ limit: 1 })).map((entry) => entry.id)).toEqual([claimed!.id]);
    });

    it('emits the eventsource.outbox.* spans', async () => {
      await outbox.add(itemsAdded(uniqueId('cart'), 1));
      const claimed = await outbox.getPending({ limit: 1 });
      await outbox.markPublished(claimed.map((entry) => entry.id));
      const names = telemetry.spans().map((span) => span.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'eventsource.outbox.add',
          'eventsource.outbox.get_pending',
          'eventsource.outbox.mark_published',
        ]),
      );
    });

    it('closes twice without error', async () => {
      await outbox.close();
      await expect(outbox.close()).resolves.toBeUndefined();
    });
  });
}
