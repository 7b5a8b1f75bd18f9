import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('examples/tutorial-20', () => {
  it('runs with its start command and prints the spans the tutorial promises', async () => {
    const { stdout } = await run('pnpm', ['start'], {
      cwd: new URL('..', import.meta.url).pathname,
      timeout: 60_000,
    });
    for (const name of [
      'in_memory_event_store.append_events',
      'in_memory_event_store.get_events',
      'eventsource.repository.save',
      'eventsource.repository.load',
      'task_service.create_task',
      'task_service.complete_task',
    ]) {
      expect(stdout).toContain(`name: '${name}'`);
    }
    expect(stdout).toContain("'eventsource.aggregate.type': 'Task'");
    expect(stdout).toContain('Task loaded: Learn OpenTelemetry');
    expect(stdout).toContain('Completed: true');
    expect(stdout).toContain('Tutorial complete!');
  });
});
