import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  defineEvent,
  EventDecodingError,
  EventValidationError,
  InMemoryCheckpointRepository,
  InMemoryDLQRepository,
  InMemoryEventStore,
  noRetry,
  SubscriptionRunner,
  type DomainEvent,
  type EventRegistry,
} from '../src/index.ts';
import { captureTelemetry, TaskCreated, taskRegistry, type TelemetryCapture } from './support.ts';

/** A payload accepted when stored and refused when read back (a schema tightened after deploy). */
function strictNoteType(registry: EventRegistry) {
  let accepting = true;
  const StrictNote = defineEvent<{ text: string }, 'StrictNote'>('StrictNote', {
    aggregateType: 'Note',
    schema: {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) =>
          accepting ? { value: value as { text: string } } : { issues: [{ message: 'refused' }] },
      },
    },
  });
  registry.register(StrictNote);
  return {
    StrictNote,
    refuse: () => {
      accepting = false;
    },
  };
}

describe('an event the store cannot decode', () => {
  let telemetry: TelemetryCapture;
  let store: InMemoryEventStore;
  let checkpoints: InMemoryCheckpointRepository;
  let poison: DomainEvent;
  const handled: string[] = [];
  const subscriber = async (event: DomainEvent) => void handled.push((event.data as { title: string }).title);

  beforeAll(() => {
    telemetry = captureTelemetry();
  });
  afterAll(async () => telemetry.shutdown());
  beforeEach(async () => {
    handled.length = 0;
    const registry = taskRegistry();
    const { StrictNote, refuse } = strictNoteType(registry);
    store = new InMemoryEventStore({ eventRegistry: registry });
    checkpoints = new InMemoryCheckpointRepository();
    await store.appendEvents(
      'task-a',
      'Task',
      [TaskCreated.create({ title: 'a' }, { aggregateId: 'task-a' })],
      0,
    );
    poison = StrictNote.create({ text: 'stored' }, { aggregateId: 'note-1' });
    await store.appendEvents('note-1', 'Note', [poison], 0);
    for (const title of ['b', 'c']) {
      const id = `task-${title}`;
      await store.appendEvents(id, 'Task', [TaskCreated.create({ title }, { aggregateId: id })], 0);
    }
    refuse();
  });

  it('is dead-lettered in its raw form by the runner, which delivers the others and checkpoints past it', async () => {
    const dlq = new InMemoryDLQRepository();
    const runner = new SubscriptionRunner({
      name: 'undecodable-with-dlq',
      eventStore: store,
      checkpointRepository: checkpoints,
      dlqRepository: dlq,
      retryPolicy: noRetry,
      subscriber,
    });
    await runner.start();
    expect(runner.state).toBe('live');
    expect(handled).toEqual(['a', 'b', 'c']);
    const entries = await dlq.list({ consumerName: 'undecodable-with-dlq' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      eventId: poison.eventId,
      eventType: 'StrictNote',
      event: null,
      globalPosition: 2,
      errorType: 'EventDecodingError',
      retryCount: 0,
    });
    expect(JSON.parse(entries[0]!.raw!.data)).toEqual({ text: 'stored' });
    expect(entries[0]!.errorMessage).toContain(poison.eventId);
    expect((await checkpoints.getCheckpoint('undecodable-with-dlq'))?.position).toBe(4);
    const span = telemetry.span('eventsource.subscription.dead_letter');
    expect(span.attributes).toMatchObject({
      'eventsource.event.id': poison.eventId,
      'error.type': 'EventDecodingError',
    });
    await runner.stop();
  });

  it('stops a runner without a DLQ there, with the typed error, after the events before it', async () => {
    const runner = new SubscriptionRunner({
      name: 'undecodable-without-dlq',
      eventStore: store,
      checkpointRepository: checkpoints,
      retryPolicy: noRetry,
      subscriber,
    });
    await expect(runner.start()).rejects.toBeInstanceOf(EventDecodingError);
    expect(runner.state).toBe('failed');
    expect(handled).toEqual(['a']);
    expect((await checkpoints.getCheckpoint('undecodable-without-dlq'))?.position).toBe(1);
    await runner.stop();
  });

  it('makes getEvents and readAll throw EventDecodingError naming it, never a bare error', async () => {
    const error = await store.getEvents('note-1', 'Note').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EventDecodingError);
    expect(error).toMatchObject({ eventId: poison.eventId, streamPosition: 1, globalPosition: undefined });
    expect((error as Error).cause).toBeInstanceOf(EventValidationError);
    const seen: string[] = [];
    const thrown = await (async () => {
      for await (const stored of store.readAll()) seen.push(stored.event.eventId);
    })().catch((caught: unknown) => caught);
    expect(seen).toHaveLength(1);
    expect(thrown).toMatchObject({ eventId: poison.eventId, globalPosition: 2 });
    expect((thrown as Error).message).toMatch(/global position 2/);
  });
});

describe('the eventsource.dlq.size gauge', () => {
  let telemetry: TelemetryCapture;
  beforeAll(() => {
    telemetry = captureTelemetry();
  });
  afterAll(async () => telemetry.shutdown());

  const sizeOf = async (name: string): Promise<number | undefined> => {
    const metric = await telemetry.metric('eventsource.dlq.size');
    const point = metric?.dataPoints.find(
      (dataPoint) => dataPoint.attributes['eventsource.subscription.name'] === name,
    );
    return point?.value as number | undefined;
  };

  it('is observed from the DLQ, so it drops when an operator resolves an entry', async () => {
    const store = new InMemoryEventStore({ eventRegistry: taskRegistry() });
    for (const title of ['x', 'y']) {
      const id = `task-${title}`;
      await store.appendEvents(id, 'Task', [TaskCreated.create({ title }, { aggregateId: id })], 0);
    }
    const dlq = new InMemoryDLQRepository();
    const runner = new SubscriptionRunner({
      name: 'gauge',
      eventStore: store,
      checkpointRepository: new InMemoryCheckpointRepository(),
      dlqRepository: dlq,
      retryPolicy: noRetry,
      subscriber: async () => {
        throw new Error('always');
      },
    });
    await runner.start();
    expect(await sizeOf('gauge')).toBe(2);
    const [entry] = await dlq.list({ consumerName: 'gauge' });
    await dlq.resolve(entry!.id, 'operator');
    expect(await sizeOf('gauge')).toBe(1);
    await runner.stop();
  });
});
