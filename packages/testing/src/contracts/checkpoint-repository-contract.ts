import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { CheckpointRepository } from '@eventsource/core';
import { captureTelemetry, type TelemetryCapture } from '../telemetry.ts';
import { resolveSubject, uniqueId, type ContractSubject } from './fixtures.ts';

/** The behaviour every `CheckpointRepository` must have. */
export function checkpointRepositoryContract(
  name: string,
  create: () => Promise<ContractSubject<CheckpointRepository>>,
): void {
  describe(`CheckpointRepository contract: ${name}`, () => {
    let telemetry: TelemetryCapture;
    let repository: CheckpointRepository;
    let dispose: () => Promise<void>;

    beforeAll(() => {
      telemetry = captureTelemetry();
    });
    afterAll(async () => telemetry.shutdown());
    beforeEach(async () => {
      ({ subject: repository, dispose } = await resolveSubject(await create()));
      telemetry.reset();
    });
    afterEach(async () => {
      await repository.close();
      await dispose();
    });

    it('has no checkpoint until one is written, then returns it', async () => {
      const name = uniqueId('projection');
      expect(await repository.getCheckpoint(name)).toBeUndefined();
      await repository.updateCheckpoint(name, {
        position: 7,
        eventId: 'event-7',
        eventType: 'ContractItemAdded',
        processed: 3,
      });
      expect(await repository.getCheckpoint(name)).toMatchObject({
        name,
        position: 7,
        eventId: 'event-7',
        eventType: 'ContractItemAdded',
        eventsProcessed: 3,
      });
      expect((await repository.getCheckpoint(name))!.updatedAt).toBeInstanceOf(Date);
    });

    it('moves forward, never backwards, and counts events processed', async () => {
      const name = uniqueId('projection');
      await repository.updateCheckpoint(name, { position: 10 });
      await repository.updateCheckpoint(name, { position: 4 });
      await repository.updateCheckpoint(name, { position: 12, processed: 2 });
      expect(await repository.getCheckpoint(name)).toMatchObject({ position: 12, eventsProcessed: 3 });
    });

    it('resets a checkpoint and lists the others', async () => {
      const first = uniqueId('projection');
      const second = uniqueId('projection');
      await repository.updateCheckpoint(first, { position: 1 });
      await repository.updateCheckpoint(second, { position: 2 });
      await repository.resetCheckpoint(first);
      expect(await repository.getCheckpoint(first)).toBeUndefined();
      const names = (await repository.listCheckpoints()).map((checkpoint) => checkpoint.name);
      expect(names).toContain(second);
      expect(names).not.toContain(first);
    });

    it('lists checkpoints ordered by name', async () => {
      const prefix = uniqueId('ordered');
      for (const suffix of ['c', 'a', 'b'])
        await repository.updateCheckpoint(`${prefix}-${suffix}`, { position: 1 });
      const names = (await repository.listCheckpoints())
        .map((checkpoint) => checkpoint.name)
        .filter((name) => name.startsWith(prefix));
      expect(names).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
    });

    it('emits the eventsource.checkpoint.* spans', async () => {
      const name = uniqueId('projection');
      await repository.getCheckpoint(name);
      await repository.updateCheckpoint(name, { position: 1 });
      await repository.resetCheckpoint(name);
      const names = telemetry.spans().map((span) => span.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'eventsource.checkpoint.get_checkpoint',
          'eventsource.checkpoint.update_checkpoint',
          'eventsource.checkpoint.reset_checkpoint',
        ]),
      );
      expect(
        telemetry.spansNamed('eventsource.checkpoint.update_checkpoint')[0]!.attributes[
          'eventsource.subscription.name'
        ],
      ).toBe(name);
    });

    it('closes twice without error', async () => {
      await repository.close();
      await expect(repository.close()).resolves.toBeUndefined();
    });
  });
}
