// Core's tests use @eventsource/testing through a relative import: a package dependency would
// make core and testing depend on each other, which the build graph forbids.
export {
  aggregateScenario,
  captureTelemetry,
  isChildOf,
  linksTo,
  runProjection,
  sumOf,
} from '../../testing/src/index.ts';
export type { TelemetryCapture } from '../../testing/src/index.ts';

import { aggregateHandlers, DeclarativeAggregate, defineEvent, EventRegistry } from '../src/index.ts';

export const TaskCreated = defineEvent<{ title: string; due?: Date }, 'TaskCreated'>('TaskCreated', {
  aggregateType: 'Task',
});
export const TaskCompleted = defineEvent<Record<string, never>, 'TaskCompleted'>('TaskCompleted', {
  aggregateType: 'Task',
});
export const TaskRenamed = defineEvent<{ title: string }, 'TaskRenamed'>('TaskRenamed', {
  aggregateType: 'Task',
});

export interface TaskState {
  readonly title: string;
  readonly completed: boolean;
}

const taskHandlers = aggregateHandlers<TaskState>()
  .on(TaskCreated, (state, event) => ({ ...state, title: event.data.title }))
  .on(TaskRenamed, (state, event) => ({ ...state, title: event.data.title }))
  .on(TaskCompleted, (state) => ({ ...state, completed: true }));

export class Task extends DeclarativeAggregate<TaskState> {
  readonly aggregateType: string = 'Task';
  protected readonly handlers = taskHandlers;

  protected getInitialState(): TaskState {
    return { title: '', completed: false };
  }

  create(title: string): void {
    this.raiseEvent(TaskCreated, { title });
  }

  rename(title: string): void {
    this.raiseEvent(TaskRenamed, { title });
  }

  complete(): void {
    if (this.state.completed) throw new Error('already completed');
    this.raiseEvent(TaskCompleted, {});
  }
}

export function taskRegistry(): EventRegistry {
  const registry = new EventRegistry();
  registry.register(TaskCreated);
  registry.register(TaskCompleted);
  registry.register(TaskRenamed);
  return registry;
}
