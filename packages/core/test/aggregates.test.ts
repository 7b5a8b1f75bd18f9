import { describe, expect, it } from '@jest/globals';
import {
  AggregateRoot,
  type DomainEvent,
  EventVersionError,
  InvalidArgumentError,
  UnhandledEventError,
} from '../src/index.ts';
import { aggregateScenario, Task, TaskCompleted, TaskCreated, TaskRenamed } from './support.ts';

class Counter extends AggregateRoot<{ count: number }> {
  readonly aggregateType = 'Counter';
  protected getInitialState() {
    return { count: 0 };
  }
  protected evolve(state: { count: number }, event: DomainEvent) {
    return event.eventType === 'Incremented' ? { count: state.count + 1 } : state;
  }
  increment(): void {
    this.raise('Incremented', {});
  }
}

describe('aggregates', () => {
  it('raise events at the next version and fold them into state', async () => {
    const task = await aggregateScenario(Task, 't1')
      .given([TaskCreated, { title: 'Draft' }])
      .when((aggregate) => {
        aggregate.rename('Final');
        aggregate.complete();
      })
      .then([TaskRenamed, { title: 'Final' }], [TaskCompleted, {}]);
    expect(task.version).toBe(3);
    expect(task.state).toEqual({ title: 'Final', completed: true });
    expect(task.pendingEvents.map((event) => event.aggregateVersion)).toEqual([2, 3]);
    task.markCommitted();
    expect(task.hasPendingEvents).toBe(false);
  });

  it('assert state and errors with the scenario helper', async () => {
    await aggregateScenario(Task, 't2')
      .given([TaskCreated, { title: 'a' }])
      .when((task) => task.complete())
      .thenState({ title: 'a', completed: true });
    await aggregateScenario(Task, 't3')
      .given([TaskCreated, { title: 'a' }], [TaskCompleted, {}])
      .when((task) => task.complete())
      .thenThrows(Error);
  });

  it('reject events at the wrong version or for another aggregate', () => {
    const task = new Task('t4');
    expect(() =>
      task.applyEvent(TaskCreated.create({ title: 'x' }, { aggregateId: 't4', aggregateVersion: 2 })),
    ).toThrow(EventVersionError);
    expect(() => task.applyEvent(TaskCreated.create({ title: 'x' }, { aggregateId: 'other' }))).toThrow(
      EventVersionError,
    );
    task.loadFromHistory([TaskCreated.create({ title: 'x' }, { aggregateId: 't4', aggregateVersion: 1 })]);
    expect(() =>
      task.loadFromHistory([TaskCreated.create({ title: 'x' }, { aggregateId: 't4', aggregateVersion: 1 })]),
    ).toThrow(EventVersionError);
    expect(task.version).toBe(1);
    expect(() => new Task('')).toThrow(InvalidArgumentError);
  });

  it('refuse events without a handler unless told to ignore them', () => {
    const task = new Task('t5');
    expect(() =>
      task.applyEvent({ ...TaskCreated.create({ title: 'x' }, { aggregateId: 't5' }), eventType: 'Mystery' }),
    ).toThrow(UnhandledEventError);
    class Lenient extends Task {
      protected override readonly unhandledEvents = 'ignore' as const;
    }
    const lenient = new Lenient('t6');
    lenient.applyEvent({
      ...TaskCreated.create({ title: 'x' }, { aggregateId: 't6' }),
      eventType: 'Mystery',
    });
    expect(lenient.version).toBe(1);
  });

  it('support plain aggregates with untyped events and snapshots', () => {
    const counter = new Counter('c1');
    counter.increment();
    counter.increment();
    expect(counter.state.count).toBe(2);
    const restored = new Counter('c1');
    restored.restoreSnapshot(counter.toSnapshotState(), counter.version);
    expect(restored.version).toBe(2);
    expect(restored.state).toEqual({ count: 2 });
    expect(restored.getNextVersion()).toBe(3);
  });
});
