import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { AggregateNotFoundError, AggregateRepository, InMemoryEventStore } from '../src/index.ts';
import { captureTelemetry, Task, TaskCreated, taskRegistry, type TelemetryCapture } from './support.ts';

// What a new user sees in Jaeger for a normal flow: the first `loadOrCreate` is not a failure,
// recorded exceptions name the error class in `exception.type`, and `eventsource.expected_version`
// has one type on every span that carries it.
describe('repository and store traces', () => {
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

  it('loadOrCreate on a new id ends its load span OK, without an exception event', async () => {
    const repository = new AggregateRepository({ eventStore: store, aggregateFactory: Task });
    const task = await repository.loadOrCreate('new-task');
    expect(task.version).toBe(0);
    const load = telemetry.span('eventsource.repository.load');
    expect(load.status.code).toBe(0);
    expect(load.events).toEqual([]);
    expect(load.attributes['error.type']).toBeUndefined();
    expect(load.attributes).toMatchObject({
      'eventsource.aggregate.created': true,
      'eventsource.version': 0,
    });

    task.create('first');
    await repository.save(task);
    telemetry.reset();
    await repository.loadOrCreate('new-task');
    expect(telemetry.span('eventsource.repository.load').attributes).toMatchObject({
      'eventsource.aggregate.created': false,
      'eventsource.version': 1,
    });
  });

  it('records the class name as exception.type and the code as eventsource.error.code', async () => {
    const repository = new AggregateRepository({ eventStore: store, aggregateFactory: Task });
    await expect(repository.load('missing')).rejects.toBeInstanceOf(AggregateNotFoundError);
    const load = telemetry.span('eventsource.repository.load');
    expect(load.status.code).toBe(2);
    const exception = load.events.find((event) => event.name === 'exception');
    expect(exception?.attributes).toMatchObject({
      'exception.type': 'AggregateNotFoundError',
      'exception.message': expect.stringContaining('missing'),
      'exception.stacktrace': expect.stringContaining('AggregateNotFoundError'),
    });
    expect(load.attributes).toMatchObject({
      'error.type': 'AggregateNotFoundError',
      'eventsource.error.type': 'AggregateNotFoundError',
      'eventsource.error.code': 'AGGREGATE_NOT_FOUND',
    });
  });

  it('writes eventsource.expected_version as a number on store and repository spans', async () => {
    const repository = new AggregateRepository({ eventStore: store, aggregateFactory: Task });
    const task = repository.createNew('typed');
    task.create('one');
    await repository.save(task);
    const append = telemetry.span('in_memory_event_store.append_events');
    const save = telemetry.span('eventsource.repository.save');
    expect(append.attributes['eventsource.expected_version']).toBe(0);
    expect(save.attributes['eventsource.expected_version']).toBe(0);
    expect(append.attributes['eventsource.expected_version_name']).toBeUndefined();
  });

  it.each([
    ['no_stream', 0, 'first'],
    ['stream_exists', undefined, 'second'],
    ['any', undefined, 'third'],
  ] as const)(
    'names the %s expectation in eventsource.expected_version_name',
    async (expected, version, title) => {
      if (expected !== 'no_stream') {
        await store.appendEvents(
          'named',
          'Task',
          [TaskCreated.create({ title: 'zero' }, { aggregateId: 'named', aggregateVersion: 1 })],
          0,
        );
        telemetry.reset();
      }
      await store.appendEvents(
        'named',
        'Task',
        [
          TaskCreated.create(
            { title },
            { aggregateId: 'named', aggregateVersion: expected === 'no_stream' ? 1 : 2 },
          ),
        ],
        expected,
      );
      const append = telemetry.span('in_memory_event_store.append_events');
      expect(append.attributes['eventsource.expected_version']).toBe(version);
      expect(append.attributes['eventsource.expected_version_name']).toBe(expected);
    },
  );
});
