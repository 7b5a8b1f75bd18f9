import pg from 'pg';
import { SubscriptionRunner, type Logger } from '@eventsource/core';
import { EventDispatcher } from '@eventsource/core/kit';
import { SQLiteCheckpointRepository, SQLiteDLQRepository, SQLiteEventStore } from '@eventsource/store-sqlite';
import { orderRegistry } from '../domain/order-events.ts';
import { createBus } from '../platform/buses.ts';
import type { Settings } from '../platform/settings.ts';
import { PostgreSQLOrderReadModel } from '../read-model/postgresql-order-read-model.ts';
import { SQLiteOrderReadModel } from '../read-model/sqlite-order-read-model.ts';
import { NotificationService, OrderProjection, subscribeOrderHandlers } from './order-handlers.ts';

/** How the worker receives order events; `stop` drains what is in hand and releases everything. */
export interface OrderEventSource {
  readonly description: string;
  /** True while events are being received. */
  ready(): boolean;
  stop(): Promise<void>;
}

/**
 * Embedded: a catch-up subscription on the shared SQLite file, in the store's global order, with a
 * checkpoint (so a restart resumes) and a dead-letter table. Each event is handed to an
 * `EventDispatcher` (the same handler table and `dispatch`/`handle` spans every bus uses) inside
 * the trace stored with the event (`propagation: 'parent'`), so the worker's spans join the
 * request's trace although no message crossed a broker.
 */
async function followStore(settings: Settings, logger: Logger): Promise<OrderEventSource> {
  const registry = orderRegistry();
  const eventStore = new SQLiteEventStore({ database: settings.sqliteFile, eventRegistry: registry });
  const checkpoints = new SQLiteCheckpointRepository({ database: settings.sqliteFile });
  const deadLetters = new SQLiteDLQRepository({ database: settings.sqliteFile, eventRegistry: registry });
  const readModel = new SQLiteOrderReadModel(settings.sqliteFile);
  const dispatcher = new EventDispatcher({
    scope: '@eventsource/demo-order-service',
    loggerName: 'demo.order-worker',
  });
  subscribeOrderHandlers(dispatcher, {
    projection: new OrderProjection(readModel),
    notifications: new NotificationService(logger),
  });
  const runner = new SubscriptionRunner({
    name: 'order-worker',
    eventStore,
    checkpointRepository: checkpoints,
    dlqRepository: deadLetters,
    subscriber: { name: 'order-worker', handle: (event) => dispatcher.dispatch(event) },
    eventTypes: dispatcher.eventTypes,
    propagation: 'parent',
    // Appends come from the other process (no in-process notification): poll often when idle.
    maxPollIntervalMs: 50,
  });
  await runner.start();
  return {
    description: 'catch-up subscription on the SQLite event store',
    ready: () => runner.state === 'live' || runner.state === 'catching_up',
    async stop() {
      await runner.stop();
      await Promise.all([eventStore.close(), checkpoints.close(), deadLetters.close(), readModel.close()]);
    },
  };
}

/** Full: the bus's consumer group (`order-worker`); the bus retries and dead-letters failed events. */
async function consumeBus(settings: Settings, logger: Logger): Promise<OrderEventSource> {
  const pool = new pg.Pool({ connectionString: settings.postgresUrl, max: 5 });
  try {
    const readModel = await PostgreSQLOrderReadModel.create(pool, settings.schema);
    const bus = await createBus({
      settings,
      registry: orderRegistry(),
      consumerGroup: settings.consumerGroup,
    });
    subscribeOrderHandlers(bus, {
      projection: new OrderProjection(readModel),
      notifications: new NotificationService(logger),
    });
    await bus.startConsuming();
    let consuming = true;
    return {
      description: `${settings.bus} consumer group ${settings.consumerGroup}`,
      ready: () => consuming,
      async stop() {
        consuming = false;
        await bus.stopConsuming();
        await bus.close();
        await readModel.close();
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end();
    throw error;
  }
}

export function openOrderEventSource(settings: Settings, logger: Logger): Promise<OrderEventSource> {
  return settings.mode === 'embedded' ? followStore(settings, logger) : consumeBus(settings, logger);
}
