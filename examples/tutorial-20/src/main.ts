// Tutorial 20: Observability with OpenTelemetry, the complete example in TypeScript.
// Run with: pnpm --dir examples/tutorial-20 start
import { randomUUID } from 'node:crypto';
import { AggregateRepository, InMemoryEventStore } from '@eventsource/core';
import {
  ATTR_AGGREGATE_ID,
  ATTR_AGGREGATE_TYPE,
  ATTR_EVENT_COUNT,
  ATTR_EVENT_TYPE,
  OTEL_AVAILABLE,
} from '@eventsource/core/observability';
import { TaskAggregate } from './task.ts';
import { TaskService } from './task-service.ts';
import { setupTracingConsole } from './tracing.ts';

async function basicTracingExample(): Promise<void> {
  console.log('\n=== Basic Tracing Example ===\n');
  const eventStore = new InMemoryEventStore(); // enableTracing: true by default
  const repository = new AggregateRepository({
    eventStore,
    aggregateFactory: TaskAggregate,
    aggregateType: 'Task',
  });

  const taskId = randomUUID();
  const task = repository.createNew(taskId);
  task.create('Learn OpenTelemetry');
  await repository.save(task); // span: eventsource.repository.save

  const loaded = await repository.load(taskId); // span: eventsource.repository.load
  console.log(`Task loaded: ${loaded.state.title}`);
}

async function customTracingExample(): Promise<void> {
  console.log('\n=== Custom Component Tracing ===\n');
  const repository = new AggregateRepository({
    eventStore: new InMemoryEventStore(),
    aggregateFactory: TaskAggregate,
  });
  const service = new TaskService(repository, true);

  let task = await service.createTask('Build observability');
  console.log(`Created: ${task.state.title}`);
  task = await service.completeTask(task.aggregateId);
  console.log(`Completed: ${task.state.completed}`);
  console.log('Custom spans created: task_service.create_task, task_service.complete_task');
}

function standardAttributesExample(): void {
  console.log('\n=== Standard Attributes ===\n');
  console.log('Aggregate attributes:');
  console.log(`  ATTR_AGGREGATE_ID   = '${ATTR_AGGREGATE_ID}'`);
  console.log(`  ATTR_AGGREGATE_TYPE = '${ATTR_AGGREGATE_TYPE}'`);
  console.log('Event attributes:');
  console.log(`  ATTR_EVENT_TYPE     = '${ATTR_EVENT_TYPE}'`);
  console.log(`  ATTR_EVENT_COUNT    = '${ATTR_EVENT_COUNT}'`);
}

function disableTracingExample(): void {
  console.log('\n=== Disabling Tracing ===\n');
  new InMemoryEventStore({ enableTracing: false });
  console.log('Created event store with tracing disabled');
  console.log('- High-frequency read operations');
  console.log('- Batch processing that would generate too many spans');
  console.log('- Testing scenarios where tracing adds noise');
}

async function main(): Promise<void> {
  console.log('Tutorial 20: Observability with OpenTelemetry');
  console.log('='.repeat(50));
  if (!OTEL_AVAILABLE) console.log('OpenTelemetry not available; continuing without tracing.');
  const sdk = setupTracingConsole('tutorial-20-app');

  await basicTracingExample();
  await customTracingExample();
  standardAttributesExample();
  disableTracingExample();

  console.log(`\n${'='.repeat(50)}`);
  console.log('Tutorial complete!');
  console.log('\nFlushing traces...');
  await sdk.shutdown(); // flushes the batch processor before exit
}

await main();
