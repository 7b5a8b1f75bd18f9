import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  defineEvent,
  EventRegistry,
  InMemoryEventBus,
  OutboxRelay,
  SubscriptionRunner,
  type DomainEvent,
} from '@eventsource/core';
import { SQLiteCheckpointRepository, SQLiteEventStore, SQLiteOutboxRepository } from '../src/index.ts';
import { tempDirectory } from './temp-database.ts';

const PointScored = defineEvent<{ points: number }>('PointScored', { aggregateType: 'Game' });
const registry = new EventRegistry();
registry.register(PointScored);

function scores(gameId: string, points: readonly number[]): DomainEvent[] {
  return points.map((value, index) =>
    PointScored.create({ points: value }, { aggregateId: gameId, aggregateVersion: index + 1 }),
  );
}

/**
 * Polls `condition`. Used instead of `SubscriptionRunner.waitForPosition` for events appended while
 * the runner is live: that can resolve before the event is handled (see the report to core).
 */
async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the SQLite components with core', () => {
  let directory: ReturnType<typeof tempDirectory>;
  beforeEach(() => {
    directory = tempDirectory();
  });
  afterEach(() => directory.remove());

  it('feeds a subscription runner that checkpoints in the same file, and resumes after a restart', async () => {
    const file = directory.path();
    await using store = new SQLiteEventStore({ database: file, eventRegistry: registry });
    await using checkpoints = new SQLiteCheckpointRepository({ database: file });
    let total = 0;
    const subscriber = (event: DomainEvent) => void (total += (event.data as { points: number }).points);
    await store.appendEvents('game-1', 'Game', scores('game-1', [1, 2, 3]), 'no_stream');
    const first = new SubscriptionRunner({
      name: 'totals',
      eventStore: store,
      checkpointRepository: checkpoints,
      subscriber,
      maxPollIntervalMs: 20,
    });
    await first.start();
    await first.waitForPosition(3);
    const fourth = PointScored.create({ points: 4 }, { aggregateId: 'game-1', aggregateVersion: 4 });
    await store.appendEvents('game-1', 'Game', [fourth], 3);
    await until(() => first.position >= 4);
    await first.stop();
    expect(total).toBe(10);
    expect((await checkpoints.getCheckpoint('totals'))?.position).toBe(4);

    await store.appendEvents('game-2', 'Game', scores('game-2', [100]), 'no_stream');
    const second = new SubscriptionRunner({
      name: 'totals',
      eventStore: store,
      checkpointRepository: checkpoints,
      subscriber,
      maxPollIntervalMs: 20,
    });
    await second.start();
    await until(() => second.position >= 5);
    await second.stop();
    expect(total).toBe(110);
  });

  it('relays the transactional outbox to a bus, each event once', async () => {
    await using store = new SQLiteEventStore({ database: ':memory:', eventRegistry: registry, outbox: true });
    await using outbox = new SQLiteOutboxRepository({ database: store.database, eventRegistry: registry });
    const bus = new InMemoryEventBus();
    const published: string[] = [];
    bus.subscribeAll((event) => void published.push(event.eventId));
    const events = scores('game-3', [7, 8]);
    await store.appendEvents('game-3', 'Game', events, 'no_stream');
    const relay = new OutboxRelay({ outbox, publisher: bus });
    expect(await relay.runOnce()).toBe(2);
    expect(await relay.runOnce()).toBe(0);
    expect(published).toEqual(events.map((event) => event.eventId));
    expect(await outbox.countPending()).toBe(0);
    await bus.close();
  });
});
