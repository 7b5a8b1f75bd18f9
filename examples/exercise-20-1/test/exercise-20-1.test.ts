import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('examples/exercise-20-1', () => {
  it('runs with its start command and prints the cart spans', async () => {
    const { stdout } = await run('pnpm', ['start'], {
      cwd: new URL('..', import.meta.url).pathname,
      timeout: 60_000,
    });
    for (const name of [
      'cart_service.add_to_cart',
      'cart_service.remove_from_cart',
      'cart_service.get_cart',
      'eventsource.repository.save',
      'eventsource.repository.load',
      'in_memory_event_store.append_events',
    ]) {
      expect(stdout).toContain(`name: '${name}'`);
    }
    expect(stdout).toContain("'product.name': 'Laptop'");
    expect(stdout).toContain('Cart contents: {"Laptop":1,"Mouse":2}');
    expect(stdout).toContain('Total items: 3');
  });
});
