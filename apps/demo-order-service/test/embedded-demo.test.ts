import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

interface PrintedSpan {
  readonly depth: number;
  readonly service: string;
  readonly name: string;
  readonly line: number;
}

/** The span lines of a printed tree: indentation depth, service and span name. */
function printedSpans(lines: readonly string[]): PrintedSpan[] {
  return lines.flatMap((text, line) => {
    const match = /^( *)(\S+) \[(.+?)\] \d+\.\d ms/.exec(text);
    return match === null ? [] : [{ depth: match[1]!.length / 2, service: match[2]!, name: match[3]!, line }];
  });
}

/** The direct children of `parent` in printed order. */
function childrenOf(spans: readonly PrintedSpan[], parent: PrintedSpan): PrintedSpan[] {
  const after = spans.filter((span) => span.line > parent.line);
  const end = after.findIndex((span) => span.depth <= parent.depth);
  return (end < 0 ? after : after.slice(0, end)).filter((span) => span.depth === parent.depth + 1);
}

function descendant(spans: readonly PrintedSpan[], parent: PrintedSpan, name: string): PrintedSpan {
  const after = spans.filter((span) => span.line > parent.line);
  const end = after.findIndex((span) => span.depth <= parent.depth);
  const found = (end < 0 ? after : after.slice(0, end)).find((span) => span.name === name);
  if (found === undefined) throw new Error(`no ${name} under ${parent.name}`);
  return found;
}

describe('./pnpmw demo (embedded mode, no services)', () => {
  it('runs both services, exits 0 and prints the place request as one tree across both', () => {
    const started = Date.now();
    const run = spawnSync(
      process.execPath,
      ['--conditions=@eventsource/source', fileURLToPath(new URL('../src/driver/demo.ts', import.meta.url))],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, DEMO_MODE: 'embedded' } },
    );
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(Date.now() - started).toBeLessThan(30_000);

    const sections = run.stdout.split('\n▶ ');
    const place = sections.find((section) => section.startsWith('place order:'))!;
    expect(place).toMatch(/^place order: POST \/orders\/order-[0-9a-f]+\/place → 200/);
    const spans = printedSpans(place.split('\n'));
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['order-service', 'order-worker']));

    const server = spans.find((span) => span.name === 'POST /orders/:orderId/place' && span.depth === 1)!;
    const save = descendant(spans, server, 'eventsource.repository.save');
    const append = childrenOf(spans, save).find((span) => span.name === 'sqlite_event_store.append_events')!;
    const dispatch = childrenOf(spans, append).find(
      (span) => span.name === 'eventsource.event_bus.dispatch',
    )!;
    expect(dispatch.service).toBe('order-worker');
    expect(childrenOf(spans, dispatch).map((span) => `${span.service} ${span.name}`)).toEqual([
      'order-worker eventsource.event_bus.handle',
      'order-worker eventsource.event_bus.handle',
    ]);
    const lines = place.split('\n');
    expect(lines[dispatch.line + 1]!.trim()).toBe('eventsource.handler.count: 2');
    expect(place).toContain('eventsource.handler.name: OrderProjection');
    expect(place).toContain('eventsource.handler.name: NotificationService');

    const bad = sections.find((section) => section.startsWith('bad request:'))!;
    expect(bad).toMatch(/→ 400\n {2}\{"error":"invalid_request"/);
    expect(bad).not.toContain('eventsource.repository.save');
    expect(run.stdout).toMatch(/Read model: order order-[0-9a-f]+ is placed, total 2500 cents\./);

    // The worker's log record of the notification carries the place request's trace id.
    const traceId = /^trace ([0-9a-f]{32})$/m.exec(place)![1];
    const logDirectory = /^Service logs: (.+)$/m.exec(run.stdout)![1]!;
    const records = readFileSync(join(logDirectory, 'order-worker.log'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; trace_id?: string; span_id?: string });
    const notification = records.find((record) => record.msg === 'notification sent: order placed');
    expect(notification).toMatchObject({
      trace_id: traceId,
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
  }, 70_000);
});
