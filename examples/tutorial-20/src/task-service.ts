import { randomUUID } from 'node:crypto';
import type { AggregateRepository } from '@eventsource/core';
import {
  ATTR_AGGREGATE_ID,
  ATTR_AGGREGATE_TYPE,
  ATTR_EVENT_COUNT,
  TracingMixin,
} from '@eventsource/core/observability';
import type { TaskAggregate } from './task.ts';

/** Service layer with custom tracing: shows how to add tracing to your own components. */
export class TaskService extends TracingMixin {
  readonly #repository: AggregateRepository<TaskAggregate>;

  constructor(repository: AggregateRepository<TaskAggregate>, enableTracing = true) {
    super();
    this.initTracing('task-service', enableTracing);
    this.#repository = repository;
  }

  createTask(title: string): Promise<TaskAggregate> {
    return this.createSpanContext('task_service.create_task', { 'task.title': title }, async (span) => {
      const taskId = randomUUID();
      span?.setAttribute(ATTR_AGGREGATE_ID, taskId);
      span?.setAttribute(ATTR_AGGREGATE_TYPE, 'Task');
      const task = this.#repository.createNew(taskId);
      task.create(title);
      await this.#repository.save(task);
      span?.setAttribute(ATTR_EVENT_COUNT, 1);
      return task;
    });
  }

  completeTask(taskId: string): Promise<TaskAggregate> {
    return this.createSpanContext('task_service.complete_task', { [ATTR_AGGREGATE_ID]: taskId }, async () => {
      const task = await this.#repository.load(taskId);
      task.complete();
      await this.#repository.save(task);
      return task;
    });
  }

  getTask(taskId: string): Promise<TaskAggregate> {
    return this.createSpanContext('task_service.get_task', { [ATTR_AGGREGATE_ID]: taskId }, () =>
      this.#repository.load(taskId),
    );
  }
}
