import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  AggregateRepository,
  DeclarativeProjection,
  exponentialBackoff,
  InMemoryCheckpointRepository,
  InMemoryDLQRepository,
  InMemoryEventStore,
  InvalidArgumentError,
  noRetry,
  SubscriptionRunner,
  type DomainEvent,
} from '../src/index.ts';
import {
  captureTelemetry,
  isChildOf,
  linksTo,
  Task,
  TaskCreated,
  taskRegistry,
  type TelemetryCapture,
} from './support.ts';

class Titles extends DeclarativeProjection {
  readonly titles: string[] = [];
  constructor() {
    super();
    this.on(TaskCreated, (event) => void this.titles.push(event.data.title));
  }
}

describe('SubscriptionRunner', () => {
  let telemetry: TelemetryCapture;
  let store: InMemoryEventStore;
  let repository: AggregateRepository<Task>;
  let checkpoints: InMemoryCheckpointRepository;

  beforeAll(() => {
    telemetry = captureTelemetry();
  });
  afterAll(async () => telemetry.shutdown());
  beforeEach(() => {
    store = new InMemoryEventStore({ eventRegistry: taskRegistry() });
    repository = new AggregateRepository({ eventStore: store, aggregateFactory: Task });
    checkpoints = new InMemoryCheckpointRepository();
    telemetry.reset();
  });

  const createTasks = async (...titles: string[]) => {
    for (const title of titles) {
      const task = repository.createNew(`task-${title}`);
      task.create(title);
      await repository.save(task);
    }
  };

  it('catches up, follows live appends, checkpoints, and resumes after a restart without repeats', async () => {
    await createTasks('a', 'b', 'c');
    const projection = new Titles();
    const runner = new SubscriptionRunner({
      name: 'titles',
      eventStore: store,
      checkpointRepository: checkpoints,
      subscriber: projection,
      batchSize: 2,
    });
    await runner.start();
    expect(projection.titles).toEqual(['a', 'b', 'c']);
    expect(runner.state).toBe('live');
    await createTasks('d');
    await runner.waitForPosition(await store.getGlobalPosition());
    expect(projection.titles).toEqual(['a', 'b', 'c', 'd']);
    await runner.stop();
    expect(runner.state).toBe('stopped');
    expect((await checkpoints.getCheckpoint('titles'))?.position).toBe(4);
    await createTasks('e');
    const restarted = new SubscriptionRunner({
      name: 'titles',
      eventStore: store,
      checkpointRepository: checkpoints,
      subscriber: projection,
    });
    await restarted.start();
    expect(projection.titles).toEqual(['a', 'b', 'c', 'd', 'e']);
    await restarted.stop();
  });

  it('emits a CONSUMER batch span linking to the append spans', async () => {
    await createTasks('a', 'b');
    const appends = telemetry.spansNamed('in_memory_event_store.append_events');
    const runner = new SubscriptionRunner({
      name: 'batch-span',
      eventStore: store,
      checkpointRepository: checkpoints,
      subscriber: new Titles(),
    });
    await runner.start();
    await runner.stop();
    const batch = telemetry.span('eventsource.subscription.process_batch');
    expect(batch.kind).toBe(4);
    expect(batch.attributes).toMatchObject({
      'eventsource.subscription.name': 'batch-span',
      'eventsource.batch.size': 2,
      'eventsource.from_position': 0,
      'eventsource.to_position': 2,
    });
    expect(appends.every((append) => linksTo(batch, append))).toBe(true);
    expect(isChildOf(telemetry.span('eventsource.checkpoint.update_checkpoint'), batch)).toBe(true);
  });

  it('continues the stored trace in parent mode', async () => {
    await createTasks('a');
    const append = telemetry.span('in_memory_event_store.append_events');
    const handled: string[] = [];
    const runner = new SubscriptionRunner({
      name: 'parented',
      eventStore: store,
      checkpointRepository: checkpoints,
      propagation: 'parent',
      subscriber: { handle: async () => void handled.push('x') },
    });
    await runner.start();
    await runner.stop();
    expect(handled).toEqual(['x']);
    expect(telemetry.span('eventsource.subscription.process_batch').spanContext().traceId).not.toBe(
      append.spanContext().traceId,
    );
  });

  it('retries with real back-off, then dead-letters and moves on', async () => {
    await createTasks('poison', 'fine');
    const attempts: number[] = [];
    const dlq = new InMemoryDLQRepository();
    const handled: string[] = [];
    const runner = new SubscriptionRunner({
      name: 'with-dlq',
      eventStore: store,
      checkpointRepository: checkpoints,
      dlqRepository: dlq,
      retryPolicy: exponentialBackoff({ maxRetries: 2, initialDelayMs: 40, jitter: 0 }),
      subscriber: async (event: DomainEvent) => {
        if ((event.data as { title: string }).title === 'poison') {
          attempts.push(Date.now());
          throw new RangeError('cannot handle');
        }
        handled.push((event.data as { title: string }).title);
      },
    });
    await runner.start();
    await runner.stop();
    expect(attempts).toHaveLength(3);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(35);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(75);
    expect(handled).toEqual(['fine']);
    const [entry] = await dlq.list({ consumerName: 'with-dlq' });
    expect(entry).toMatchObject({ errorType: 'RangeError', retryCount: 2, globalPosition: 1 });
    expect((await checkpoints.getCheckpoint('with-dlq'))?.position).toBe(2);
    expect(telemetry.span('eventsource.subscription.dead_letter').attributes['eventsource.retry.count']).toBe(
      2,
    );
  });

  it('stops at a failing event without a DLQ and never checkpoints past it', async () => {
    await createTasks('ok', 'poison', 'after');
    const handled: string[] = [];
    const runner = new SubscriptionRunner({
      name: 'no-dlq',
      eventStore: store,
      checkpointRepository: checkpoints,
      retryPolicy: noRetry,
      subscriber: async (event: DomainEvent) => {
        const { title } = event.data as { title: string };
        if (title === 'poison') throw new Error('boom');
        handled.push(title);
      },
    });
    await expect(runner.start()).rejects.toThrow('boom');
    expect(runner.state).toBe('failed');
    expect(runner.failure).toBeInstanceOf(Error);
    expect(handled).toEqual(['ok']);
    expect((await checkpoints.getCheckpoint('no-dlq'))?.position).toBe(1);
    await runner.stop();
    expect(runner.state).toBe('failed');
  });

  it('starts from the beginning, the end or a position, and filters by the projection event types', async () => {
    await createTasks('a', 'b');
    const fromEnd = new Titles();
    const endRunner = new SubscriptionRunner({
      name: 'end',
      eventStore: store,
      checkpointRepository: checkpoints,
      subscriber: fromEnd,
      startFrom: 'end',
    });
    await endRunner.start();
    await createTasks('c');
    await endRunner.waitForPosition(3);
    await endRunner.stop();
    expect(fromEnd.titles).toEqual(['c']);
    const fromPosition = new Titles();
    const positioned = new SubscriptionRunner({
      name: 'pos',
      eventStore: store,
      checkpointRepository: checkpoints,
      subscriber: fromPosition,
      startFrom: 1,
    });
    await positioned.start();
    await positioned.stop();
    expect(fromPosition.titles).toEqual(['b', 'c']);
    await checkpoints.updateCheckpoint('beginning', { position: 3 });
    const all = new Titles();
    const beginning = new SubscriptionRunner({
      name: 'beginning',
      eventStore: store,
      checkpointRepository: checkpoints,
      subscriber: all,
      startFrom: 'beginning',
    });
    await beginning.start();
    await beginning.stop();
    expect(all.titles).toEqual(['a', 'b', 'c']);
    const renamed = repository.createNew('task-a');
    await repository.update('task-a', (task) => task.rename('renamed'));
    expect(renamed.version).toBe(0);
    const filtered = new Titles();
    const filteredRunner = new SubscriptionRunner({
      name: 'filtered',
      eventStore: store,
      checkpointRepository: checkpoints,
      subscriber: filtered,
    });
    await filteredRunner.start();
    await filteredRunner.stop();
    expect(filtered.titles).toEqual(['a', 'b', 'c']);
  });

  it('stops while idle and refuses bad options', async () => {
    const runner = new SubscriptionRunner({
      name: 'idle',
      eventStore: store,
      checkpointRepository: checkpoints,
      subscriber: new Titles(),
      maxPollIntervalMs: 20,
    });
    await runner.start();
    await runner.start();
    const waiting = runner.waitForPosition(100);
    await runner.stop();
    await expect(waiting).rejects.toThrow(/closed/);
    await runner.stop();
    expect(
      () =>
        new SubscriptionRunner({
          name: '',
          eventStore: store,
          checkpointRepository: checkpoints,
          subscriber: new Titles(),
        }),
    ).toThrow(InvalidArgumentError);
    expect(
      () =>
        new SubscriptionRunner({
          name: 'x',
          eventStore: store,
          checkpointRepository: checkpoints,
          subscriber: new Titles(),
          batchSize: 0,
        }),
    ).toThrow(InvalidArgumentError);
  });

  it('starts once when started twice at the same time, and stops for good', async () => {
    await createTasks('a', 'b', 'c');
    const projection = new Titles();
    const runner = new SubscriptionRunner({
      name: 'twice',
      eventStore: store,
      checkpointRepository: checkpoints,
      subscriber: projection,
    });
    await Promise.all([runner.start(), runner.start()]);
    expect(projection.titles).toEqual(['a', 'b', 'c']);
    await runner.stop();
    expect(runner.state).toBe('stopped');
    await createTasks('d');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(projection.titles).toEqual(['a', 'b', 'c']);
    await expect(runner.waitForPosition(10)).rejects.toThrow(/closed/);
  });

  it('starts again after a failure, from the last checkpoint', async () => {
    await createTasks('ok', 'flaky');
    let failing = true;
    const handled: string[] = [];
    const runner = new SubscriptionRunner({
      name: 'restartable',
      eventStore: store,
      checkpointRepository: checkpoints,
      retryPolicy: noRetry,
      subscriber: async (event: DomainEvent) => {
        const { title } = event.data as { title: string };
        if (title === 'flaky' && failing) throw new Error('not yet');
        handled.push(title);
      },
    });
    await expect(runner.start()).rejects.toThrow('not yet');
    expect(runner.state).toBe('failed');
    failing = false;
    await runner.start();
    expect(runner.state).toBe('live');
    expect(handled).toEqual(['ok', 'flaky']);
    await runner.stop();
  });

  it('moves its position and checkpoint past events its filter skips', async () => {
    await createTasks('a');
    await repository.update('task-a', (task) => task.rename('x'));
    await repository.update('task-a', (task) => task.rename('y'));
    const projection = new Titles();
    const runner = new SubscriptionRunner({
      name: 'skipping',
      eventStore: store,
      checkpointRepository: checkpoints,
      subscriber: projection,
    });
    await runner.start();
    await runner.waitForPosition(3);
    expect(runner.position).toBe(3);
    expect((await checkpoints.getCheckpoint('skipping'))?.position).toBe(3);
    await runner.stop();
  });
});
