/** Every span name the library emits. Names are static; identifiers go into attributes. */
export const SpanNames = {
  inMemoryEventStore: {
    appendEvents: 'in_memory_event_store.append_events',
    getEvents: 'in_memory_event_store.get_events',
    readAll: 'in_memory_event_store.read_all',
  },
  sqliteEventStore: {
    appendEvents: 'sqlite_event_store.append_events',
    getEvents: 'sqlite_event_store.get_events',
    readAll: 'sqlite_event_store.read_all',
  },
  postgresqlEventStore: {
    appendEvents: 'postgresql_event_store.append_events',
    getEvents: 'postgresql_event_store.get_events',
    readAll: 'postgresql_event_store.read_all',
  },
  repository: {
    load: 'eventsource.repository.load',
    save: 'eventsource.repository.save',
    exists: 'eventsource.repository.exists',
    createSnapshot: 'eventsource.repository.create_snapshot',
  },
  checkpoint: {
    getCheckpoint: 'eventsource.checkpoint.get_checkpoint',
    updateCheckpoint: 'eventsource.checkpoint.update_checkpoint',
    resetCheckpoint: 'eventsource.checkpoint.reset_checkpoint',
  },
  dlq: {
    add: 'eventsource.dlq.add',
    get: 'eventsource.dlq.get',
    resolve: 'eventsource.dlq.resolve',
    retry: 'eventsource.dlq.retry',
  },
  outbox: {
    add: 'eventsource.outbox.add',
    getPending: 'eventsource.outbox.get_pending',
    markPublished: 'eventsource.outbox.mark_published',
    relay: 'eventsource.outbox.relay',
  },
  snapshot: {
    save: 'eventsource.snapshot.save',
    get: 'eventsource.snapshot.get',
    delete: 'eventsource.snapshot.delete',
    exists: 'eventsource.snapshot.exists',
  },
  eventBus: {
    publish: 'eventsource.event_bus.publish',
    consume: 'eventsource.event_bus.consume',
    process: 'eventsource.event_bus.process',
    dispatch: 'eventsource.event_bus.dispatch',
    handle: 'eventsource.event_bus.handle',
  },
  projection: {
    handle: 'eventsource.projection.handle',
    handler: 'eventsource.projection.handler',
  },
  subscription: {
    processBatch: 'eventsource.subscription.process_batch',
    deadLetter: 'eventsource.subscription.dead_letter',
  },
} as const;

type Leaves<T> = T extends string ? T : { [K in keyof T]: Leaves<T[K]> }[keyof T];
export type SpanName = Leaves<typeof SpanNames>;

/** Numeric values of OpenTelemetry's `SpanKind`, usable when the API is not installed. */
export const SpanKinds = { internal: 0, server: 1, client: 2, producer: 3, consumer: 4 } as const;
export type SpanKindValue = (typeof SpanKinds)[keyof typeof SpanKinds];
