// `./pnpmw demo [--full] [--bus kafka]`: runs the two services, drives a scenario over HTTP and
// prints each request's trace across both services.
import { parseArgs } from 'node:util';
import { formatTraceTree } from '@eventsource/testing/trace-tree';
import { demoAttributes } from './demo-attributes.ts';
import { runDemo, type DemoStepResult } from './demo-run.ts';

const USAGE = `usage: ./pnpmw demo [--full [--bus kafka|rabbitmq|redis] [--schema name]]
  (no option)  embedded: both services on one SQLite file, no services needed
  --full       PostgreSQL with outbox, a bus, traces to Jaeger (start them with ./pnpmw services:up)
  --bus        the bus in full mode (default kafka, or DEMO_BUS)
  --schema     the PostgreSQL schema in full mode (default demo_orders, or DEMO_SCHEMA)`;

let values: { full?: boolean; bus?: string; schema?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      bus: { type: 'string' },
      schema: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const mode = values.full || process.env.DEMO_MODE === 'full' ? 'full' : 'embedded';
const bus = values.bus ?? process.env.DEMO_BUS ?? 'kafka';
const started = performance.now();

console.log(
  mode === 'embedded'
    ? 'eventsource demo, embedded: order-service and order-worker as two processes on one SQLite file'
    : `eventsource demo, full: PostgreSQL with outbox, ${bus} between the services, traces to Jaeger`,
);
let result: Awaited<ReturnType<typeof runDemo>>;
try {
  result = await runDemo({
    mode,
    bus,
    ...(values.schema === undefined ? {} : { schema: values.schema }),
  });
} catch (error) {
  console.error(`\nDemo FAILED: ${error instanceof Error ? error.message : String(error)}`);
  if (mode === 'full') {
    console.error(
      'Full mode needs PostgreSQL, the bus and Jaeger: ./pnpmw services:up (or docker compose up -d).',
    );
  }
  process.exit(1);
}

const expected: readonly number[] = [201, 200, 200, 200, 200, 400, 200];
const problems: string[] = [];
result.steps.forEach((step: DemoStepResult, index) => {
  console.log(`\n▶ ${step.label}: ${step.method} ${step.path} → ${step.status}`);
  if (step.status >= 400) console.log(`  ${JSON.stringify(step.body)}`);
  if (step.spans.length > 0) console.log(formatTraceTree(step.spans, { attributes: demoAttributes }));
  if (step.status !== expected[index]) problems.push(`${step.label} answered ${step.status}`);
  if (step.traceId === undefined || step.spans.length === 0) problems.push(`no trace for ${step.label}`);
});
const placed = result.steps.find((step) => step.label === 'place order');
if (!placed?.spans.some((span) => span.serviceName === 'order-worker')) {
  problems.push('the place-order trace has no order-worker spans');
}
const order = result.steps.at(-1)?.body as { status?: string; totalCents?: number } | undefined;
console.log(`\nRead model: order ${result.orderId} is ${order?.status}, total ${order?.totalCents} cents.`);
if (result.jaegerQueryUrl !== undefined && placed?.traceId !== undefined) {
  console.log(
    `Jaeger: ${result.jaegerQueryUrl}/api/v3/traces/${placed.traceId} (UI with docker compose: http://localhost:16686/trace/${placed.traceId})`,
  );
}
console.log(`Service logs: ${result.logDirectory}`);
console.log(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
if (problems.length > 0) {
  console.error(`\nDemo FAILED: ${problems.join('; ')}`);
  process.exitCode = 1;
}
