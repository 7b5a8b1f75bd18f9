import pg from 'pg';
import { OutboxRelay, type EventStore, type SnapshotStore } from '@eventsource/core';
import { PostgreSQLSnapshotStore } from '@eventsource/snapshot-postgres';
import { SQLiteSnapshotStore } from '@eventsource/snapshot-sqlite';
import { PostgreSQLEventStore, PostgreSQLOutboxRepository } from '@eventsource/store-postgres';
import { SQLiteEventStore } from '@eventsource/store-sqlite';
import { orderRegistry } from '../domain/order-events.ts';
import { createBus } from '../platform/buses.ts';
import type { Settings } from '../platform/settings.ts';
import { PostgreSQLOrderReadModel } from '../read-model/postgresql-order-read-model.ts';
import { SQLiteOrderReadModel } from '../read-model/sqlite-order-read-model.ts';
import type { OrderReadModel } from '../read-model/order-view.ts';

/** What the order service runs on; `close` releases it all, in order. */
export interface OrderBackend {
  readonly eventStore: EventStore;
  readonly snapshotStore: SnapshotStore;
  readonly readModel: OrderReadModel;
  /** Where its events go: the bus in full mode; in embedded mode the worker reads the store itself. */
  readonly publishesTo: string;
  close(): Promise<void>;
}

/**
 * Embedded: the SQLite file holds events, snapshots and the read model; no outbox, because the
 * worker follows the store's global order directly (the event table is its own outbox).
 */
function openEmbedded(settings: Settings): OrderBackend {
  const registry = orderRegistry();
  const eventStore = new SQLiteEventStore({ database: settings.sqliteFile, eventRegistry: registry });
  const snapshotStore = new SQLiteSnapshotStore({ database: settings.sqliteFile });
  const readModel = new SQLiteOrderReadModel(settings.sqliteFile);
  return {
    eventStore,
    snapshotStore,
    readModel,
    publishesTo: 'sqlite (the worker follows the event store)',
    async close() {
      await Promise.all([eventStore.close(), snapshotStore.close(), readModel.close()]);
    },
  };
}

/**
 * Full: PostgreSQL with the transactional outbox (each append writes its outbox rows in the same
 * transaction) and a relay publishing them to the bus, continuing the trace stored with each event.
 */
async function openFull(settings: Settings): Promise<OrderBackend> {
  const registry = orderRegistry();
  const pool = new pg.Pool({ connectionString: settings.postgresUrl, max: 10 });
  const naming = { pool, schema: settings.schema };
  try {
    const eventStore = await PostgreSQLEventStore.create({
      ...naming,
      eventRegistry: registry,
      outbox: true,
    });
    const snapshotStore = await PostgreSQLSnapshotStore.create(naming);
    const readModel = await PostgreSQLOrderReadModel.create(pool, settings.schema);
    const outbox = new PostgreSQLOutboxRepository({ ...naming, eventRegistry: registry });
    const bus = await createBus({ settings, registry, consumerGroup: 'order-service' });
    const relay = new OutboxRelay({ outbox, publisher: bus, maxPollIntervalMs: 100 });
    relay.start();
    return {
      eventStore,
      snapshotStore,
      readModel,
      publishesTo: settings.bus,
      async close() {
        await relay.stop();
        await bus.close();
        await Promise.all([eventStore.close(), snapshotStore.close(), outbox.close(), readModel.close()]);
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end();
    throw error;
  }
}

export function openOrderBackend(settings: Settings): Promise<OrderBackend> {
  return settings.mode === 'embedded' ? Promise.resolve(openEmbedded(settings)) : openFull(settings);
}
