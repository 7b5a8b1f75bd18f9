import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  AggregateNotFoundError,
  AggregateRepository,
  ConcurrencyError,
  InMemoryEventBus,
  InMemoryEventStore,
  InMemorySnapshotStore,
  InvalidArgumentError,
  type DomainEvent,
  type Snapshot,
} from '../src/index.ts';
import { captureTelemetry, isChildOf, sumOf, Task, taskRegistry, type TelemetryCapture } from './support.ts';

describe('AggregateRepository', () => {
  let telemetry: TelemetryCapture;
  let store: InMemoryEventStore;

  beforeAll(() => {
    telemetry = captureTelemetry();
  });
  afterAll(async () => telemetry.shutdown());
  beforeEach(() => {
    store = new InMemoryEventStore({ eventRegistry: taskRegistry() });
    telemetry.reset();
  });

  const newTask = async (repository: AggregateRepository<Task>, id: string, title = 'Write docs') => {
    const task = repository.createNew(id);
    task.create(title);
    await repository.save(task);
    return task;
  };

  it('saves and loads, with seed span names nested and attributed', async () => {
    const repository = new AggregateRepository({ eventStore: store, aggregateFactory: Task });
    expect(repository.aggregateType).toBe('Task');
    await newTask(repository, 'task-1');
    const loaded = await repository.load('task-1');
    expect(loaded.state).toEqual({ title: 'Write docs', completed: false });
    expect(loaded.version).toBe(1);
    const save = telemetry.span('eventsource.repository.save');
    expect(save.kind).toBe(0);
    expect(save.attributes).toMatchObject({
      'eventsource.aggregate.id': 'task-1',
      'eventsource.aggregate.type': 'Task',
      'eventsource.event.count': 1,
      'eventsource.expected_version': 0,
      'eventsource.version': 1,
    });
    expect(isChildOf(telemetry.span('in_memory_event_store.append_events'), save)).toBe(true);
    const load = telemetry.span('eventsource.repository.load');
    expect(load.attributes).toMatchObject({
      'eventsource.version': 1,
      'eventsource.events.replayed': 1,
      'eventsource.snapshot.used': false,
    });
    expect(isChildOf(telemetry.span('in_memory_event_store.get_events'), load)).toBe(true);
  });

  it('reports missing aggregates, creates on demand and answers exists', async () => {
    const repository = new AggregateRepository({ eventStore: store, aggregateFactory: Task });
    await expect(repository.load('missing')).rejects.toBeInstanceOf(AggregateNotFoundError);
    expect((await repository.loadOrCreate('missing')).version).toBe(0);
    expect(await repository.exists('missing')).toBe(false);
    await newTask(repository, 'present');
    expect(await repository.exists('present')).toBe(true);
    expect(telemetry.spansNamed('eventsource.repository.exists')).toHaveLength(2);
    const failed = telemetry.spansNamed('eventsource.repository.load')[0]!;
    expect(failed.status.code).toBe(2);
    expect(failed.attributes['error.type']).toBe('AggregateNotFoundError');
    expect(failed.attributes['eventsource.error.type']).toBe('AggregateNotFoundError');
    expect(failed.events.some((event) => event.name === 'exception')).toBe(true);
  });

  it('does nothing when there is nothing to save', async () => {
    const repository = new AggregateRepository({ eventStore: store, aggregateFactory: Task });
    await repository.save(repository.createNew('idle'));
    expect(telemetry.spans()).toHaveLength(0);
  });

  it('raises a typed conflict carrying both versions, counts it, and keeps pending events', async () => {
    const repository = new AggregateRepository({ eventStore: store, aggregateFactory: Task });
    await newTask(repository, 'contended');
    const first = await repository.load('contended');
    const second = await repository.load('contended');
    first.rename('A');
    await repository.save(first);
    second.rename('B');
    const error = await repository.save(second).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
    expect(second.pendingEvents).toHaveLength(1);
    expect(sumOf(await telemetry.metric('eventsource.repository.conflicts'))).toBeGreaterThanOrEqual(1);
  });

  it('retries a command on conflict with update()', async () => {
    const repository = new AggregateRepository({ eventStore: store, aggregateFactory: Task });
    await newTask(repository, 'busy');
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, index) =>
        repository.update('busy', (task) => task.rename(`title ${index}`), { maxRetries: 10 }),
      ),
    );
    expect(results).toHaveLength(5);
    expect(await store.getStreamVersion('busy', 'Task')).toBe(6);
    await expect(
      repository.update('busy', (task) => task.rename('x'), { maxRetries: 0 }),
    ).resolves.toBeDefined();
    const created = await repository.update('fresh', (task) => task.create('new'), { createIfMissing: true });
    expect(created.version).toBe(1);
    await expect(repository.update('absent', (task) => task.rename('x'))).rejects.toBeInstanceOf(
      AggregateNotFoundError,
    );
  });

  it('gives up on conflicts after maxRetries', async () => {
    const repository = new AggregateRepository({ eventStore: store, aggregateFactory: Task });
    await newTask(repository, 'hot');
    let interfering = 0;
    const attempt = repository.update(
      'hot',
      async (task) => {
        interfering += 1;
        await repository.update('hot', (other) => other.rename(`other ${interfering}`));
        task.rename('mine');
      },
      { maxRetries: 2 },
    );
    await expect(attempt).rejects.toBeInstanceOf(ConcurrencyError);
    expect(interfering).toBe(3);
  });

  it('snapshots when a save crosses the threshold and loads from the snapshot', async () => {
    const snapshots = new InMemorySnapshotStore();
    const repository = new AggregateRepository({
      eventStore: store,
      aggregateFactory: Task,
      snapshotStore: snapshots,
      snapshotThreshold: 3,
    });
    const task = await newTask(repository, 'snap');
    task.rename('a');
    task.rename('b');
    task.rename('c');
    await repository.save(task);
    expect((await snapshots.getSnapshot('snap', 'Task'))?.version).toBe(4);
    telemetry.reset();
    const loaded = await repository.load('snap');
    expect(loaded.state.title).toBe('c');
    expect(telemetry.span('eventsource.repository.load').attributes).toMatchObject({
      'eventsource.snapshot.used': true,
      'eventsource.snapshot.version': 4,
      'eventsource.events.replayed': 0,
    });
    expect(telemetry.spansNamed('eventsource.repository.create_snapshot')).toHaveLength(0);
  });

  it('replays from events when the snapshot schema differs or cannot be restored', async () => {
    const snapshots = new InMemorySnapshotStore();
    const repository = new AggregateRepository({
      eventStore: store,
      aggregateFactory: Task,
      snapshotStore: snapshots,
      snapshotMode: 'manual',
      snapshotThreshold: 1,
    });
    const task = await newTask(repository, 'stale');
    expect(await snapshots.snapshotExists('stale', 'Task')).toBe(false);
    const stale: Snapshot = {
      aggregateId: 'stale',
      aggregateType: 'Task',
      version: 1,
      state: { title: 'wrong', completed: true },
      schemaVersion: 99,
      createdAt: new Date(),
    };
    await snapshots.saveSnapshot(stale);
    expect((await repository.load('stale')).state).toEqual(task.state);
    class Fragile extends Task {
      override restoreSnapshot(): void {
        throw new Error('corrupt');
      }
    }
    const fragile = new AggregateRepository({
      eventStore: store,
      aggregateFactory: Fragile,
      snapshotStore: snapshots,
    });
    await snapshots.saveSnapshot({ ...stale, schemaVersion: 1, version: 2 });
    expect((await fragile.load('stale')).state).toEqual(task.state);
  });

  it('snapshots in the background or manually', async () => {
    const snapshots = new InMemorySnapshotStore();
    const background = new AggregateRepository({
      eventStore: store,
      aggregateFactory: Task,
      snapshotStore: snapshots,
      snapshotThreshold: 1,
      snapshotMode: 'background',
    });
    await newTask(background, 'bg');
    expect(await background.awaitPendingSnapshots()).toBeGreaterThanOrEqual(0);
    expect(await snapshots.snapshotExists('bg', 'Task')).toBe(true);
    const manual = new AggregateRepository({
      eventStore: store,
      aggregateFactory: Task,
      snapshotStore: snapshots,
    });
    const task = await manual.load('bg');
    await manual.createSnapshot(task);
    expect(telemetry.spansNamed('eventsource.repository.create_snapshot').length).toBeGreaterThanOrEqual(2);
    const noStore = new AggregateRepository({ eventStore: store, aggregateFactory: Task });
    await expect(noStore.createSnapshot(task)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('publishes saved events and survives a failing publisher', async () => {
    const bus = new InMemoryEventBus();
    const seen: DomainEvent[] = [];
    bus.subscribe('TaskCreated', (event) => void seen.push(event));
    const repository = new AggregateRepository({
      eventStore: store,
      aggregateFactory: Task,
      eventPublisher: bus,
    });
    await newTask(repository, 'published');
    expect(seen.map((event) => event.aggregateId)).toEqual(['published']);
    const failing = new AggregateRepository({
      eventStore: store,
      aggregateFactory: Task,
      eventPublisher: { publish: async () => Promise.reject(new Error('broker down')) },
    });
    await expect(newTask(failing, 'stored-anyway')).resolves.toBeDefined();
    expect(await store.getStreamVersion('stored-anyway', 'Task')).toBe(1);
  });

  it('emits no spans with tracing off and refuses bad options', async () => {
    const repository = new AggregateRepository({
      eventStore: new InMemoryEventStore({ eventRegistry: taskRegistry(), enableTracing: false }),
      aggregateFactory: Task,
      enableTracing: false,
    });
    await newTask(repository, 'quiet');
    await repository.load('quiet');
    expect(telemetry.spans()).toHaveLength(0);
    expect(
      () =>
        new AggregateRepository({
          eventStore: store,
          aggregateFactory: Task,
          snapshotThreshold: 0,
          snapshotStore: new InMemorySnapshotStore(),
        }),
    ).toThrow(InvalidArgumentError);
    expect(
      () => new AggregateRepository({ eventStore: store, aggregateFactory: Task, snapshotThreshold: 5 }),
    ).toThrow(/needs a snapshotStore/);
    expect(
      () => new AggregateRepository({ eventStore: store, aggregateFactory: Task, aggregateType: '' }),
    ).toThrow(InvalidArgumentError);
    class Nameless extends Task {
      override readonly aggregateType = '';
    }
    expect(() => new AggregateRepository({ eventStore: store, aggregateFactory: Nameless })).toThrow(
      InvalidArgumentError,
    );
  });

  it('refuses to snapshot unsaved state, and ignores a snapshot that is ahead of the events', async () => {
    const snapshots = new InMemorySnapshotStore();
    const repository = new AggregateRepository({
      eventStore: store,
      aggregateFactory: Task,
      snapshotStore: snapshots,
    });
    const task = await newTask(repository, 'ahead');
    task.rename('never saved');
    await expect(repository.createSnapshot(task)).rejects.toBeInstanceOf(InvalidArgumentError);
    await snapshots.saveSnapshot({
      aggregateId: 'ahead',
      aggregateType: 'Task',
      version: 5,
      state: { title: 'phantom', completed: true },
      schemaVersion: 1,
      createdAt: new Date(),
    });
    const loaded = await repository.load('ahead');
    expect(loaded.version).toBe(1);
    expect(loaded.state).toEqual({ title: 'Write docs', completed: false });
  });

  it('keeps working when an append listener throws', async () => {
    store.onAppend(() => {
      throw new Error('listener bug');
    });
    const repository = new AggregateRepository({ eventStore: store, aggregateFactory: Task });
    await newTask(repository, 'listened');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await store.getStreamVersion('listened', 'Task')).toBe(1);
  });
});
