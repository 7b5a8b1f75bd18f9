import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { SnapshotStore } from '@eventsource/core';
import { captureTelemetry, type TelemetryCapture } from '../telemetry.ts';
import { resolveSubject, uniqueId, type ContractSubject } from './fixtures.ts';

/** The behaviour every `SnapshotStore` must have. */
export function snapshotStoreContract(
  name: string,
  create: () => Promise<ContractSubject<SnapshotStore>>,
): void {
  describe(`SnapshotStore contract: ${name}`, () => {
    let telemetry: TelemetryCapture;
    let store: SnapshotStore;
    let dispose: () => Promise<void>;

    beforeAll(() => {
      telemetry = captureTelemetry();
    });
    afterAll(async () => telemetry.shutdown());
    beforeEach(async () => {
      ({ subject: store, dispose } = await resolveSubject(await create()));
      telemetry.reset();
    });
    afterEach(async () => {
      await store.close();
      await dispose();
    });

    const snapshot = (aggregateId: string, version: number, schemaVersion = 1) => ({
      aggregateId,
      aggregateType: 'ContractCart',
      version,
      state: { items: ['a', 'b'], since: new Date(Date.UTC(2026, 1, 2)), total: 12n },
      schemaVersion,
      createdAt: new Date(),
    });

    it('saves and reads back a snapshot, state intact', async () => {
      const id = uniqueId('cart');
      expect(await store.getSnapshot(id, 'ContractCart')).toBeUndefined();
      await store.saveSnapshot(snapshot(id, 5));
      const found = await store.getSnapshot(id, 'ContractCart');
      expect(found).toMatchObject({
        aggregateId: id,
        aggregateType: 'ContractCart',
        version: 5,
        schemaVersion: 1,
      });
      expect(found!.state).toEqual(snapshot(id, 5).state);
      expect(await store.snapshotExists(id, 'ContractCart')).toBe(true);
      expect(await store.snapshotExists(id, 'ContractOther')).toBe(false);
    });

    it('keeps one snapshot per aggregate and never replaces a newer one with an older one', async () => {
      const id = uniqueId('cart');
      await store.saveSnapshot(snapshot(id, 5));
      await store.saveSnapshot(snapshot(id, 9));
      await store.saveSnapshot(snapshot(id, 7));
      expect((await store.getSnapshot(id, 'ContractCart'))!.version).toBe(9);
    });

    it('deletes one snapshot, and by type below a schema version', async () => {
      const first = uniqueId('cart');
      const second = uniqueId('cart');
      await store.saveSnapshot(snapshot(first, 1, 1));
      await store.saveSnapshot(snapshot(second, 1, 2));
      expect(await store.deleteSnapshot(first, 'ContractCart')).toBe(true);
      expect(await store.deleteSnapshot(first, 'ContractCart')).toBe(false);
      await store.saveSnapshot(snapshot(first, 1, 1));
      expect(
        await store.deleteSnapshotsByType('ContractCart', { schemaVersionBelow: 2 }),
      ).toBeGreaterThanOrEqual(1);
      expect(await store.snapshotExists(first, 'ContractCart')).toBe(false);
      expect(await store.snapshotExists(second, 'ContractCart')).toBe(true);
    });

    it('emits the eventsource.snapshot.* spans with aggregate attributes', async () => {
      const id = uniqueId('cart');
      await store.saveSnapshot(snapshot(id, 3));
      await store.getSnapshot(id, 'ContractCart');
      await store.snapshotExists(id, 'ContractCart');
      await store.deleteSnapshot(id, 'ContractCart');
      const names = telemetry.spans().map((span) => span.name);
      for (const expected of [
        'eventsource.snapshot.save',
        'eventsource.snapshot.get',
        'eventsource.snapshot.exists',
        'eventsource.snapshot.delete',
      ]) {
        expect(names).toContain(expected);
      }
      expect(telemetry.spansNamed('eventsource.snapshot.save')[0]!.attributes).toMatchObject({
        'eventsource.aggregate.id': id,
        'eventsource.aggregate.type': 'ContractCart',
      });
    });

    it('closes twice without error', async () => {
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
}
