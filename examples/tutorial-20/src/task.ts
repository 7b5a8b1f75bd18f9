import { aggregateHandlers, DeclarativeAggregate, defineEvent, registerEvent } from '@eventsource/core';

export const TaskCreated = registerEvent(
  defineEvent<{ title: string }, 'TaskCreated'>('TaskCreated', { aggregateType: 'Task' }),
);
export const TaskCompleted = registerEvent(
  defineEvent<Record<string, never>, 'TaskCompleted'>('TaskCompleted', { aggregateType: 'Task' }),
);

export interface TaskState {
  readonly taskId: string;
  readonly title: string;
  readonly completed: boolean;
}

const handlers = aggregateHandlers<TaskState>()
  .on(TaskCreated, (state, event) => ({ ...state, title: event.data.title, completed: false }))
  .on(TaskCompleted, (state) => ({ ...state, completed: true }));

export class TaskAggregate extends DeclarativeAggregate<TaskState> {
  readonly aggregateType = 'Task';
  protected readonly handlers = handlers;

  protected getInitialState(): TaskState {
    return { taskId: this.aggregateId, title: '', completed: false };
  }

  create(title: string): void {
    this.raiseEvent(TaskCreated, { title });
  }

  complete(): void {
    this.raiseEvent(TaskCompleted, {});
  }
}
