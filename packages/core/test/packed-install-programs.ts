// The programs the packed-install test runs in projects outside the workspace: a ten-line
// aggregate program on the published @eventsource/core, with and without OpenTelemetry, and the
// TypeScript the published declaration files must accept.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const strictTsconfig = (include: string): string =>
  JSON.stringify({
    compilerOptions: {
      target: 'es2022',
      lib: ['es2023', 'esnext.disposable'],
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      types: ['node'],
    },
    include: [include],
  });

/** One `import * as` per entry point in core's exports map, so every declaration file is checked. */
export function everyEntryPoint(coreDir: string): string {
  const manifest = JSON.parse(readFileSync(join(coreDir, 'package.json'), 'utf8')) as {
    exports: Record<string, unknown>;
  };
  return Object.keys(manifest.exports)
    .filter((entry) => entry !== './package.json')
    .map((entry, index) => {
      const specifier = `@eventsource/core${entry.slice(1)}`;
      return `import * as entry${index} from '${specifier}';\nexport type Entry${index} = typeof entry${index};`;
    })
    .join('\n');
}

const aggregateProgram = `
import { AggregateRepository, aggregateHandlers, DeclarativeAggregate, defineEvent, InMemoryEventStore, registerEvent } from '@eventsource/core';
import { OTEL_AVAILABLE } from '@eventsource/core/observability';
const Opened = registerEvent(defineEvent('AccountOpened', { aggregateType: 'Account' }));
class Account extends DeclarativeAggregate {
  aggregateType = 'Account';
  handlers = aggregateHandlers().on(Opened, () => ({ open: true }));
  getInitialState() { return { open: false }; }
  open() { this.raiseEvent(Opened, {}); }
}
const repository = new AggregateRepository({ eventStore: new InMemoryEventStore(), aggregateFactory: Account });
async function openAndLoad() { const account = repository.createNew('acc-1'); account.open(); await repository.save(account); return repository.load('acc-1'); }
`;

export const withOtelProgram = `${aggregateProgram}
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
const loaded = await openAndLoad();
console.log(JSON.stringify({ otel: OTEL_AVAILABLE, open: loaded.state.open, spans: exporter.getFinishedSpans().map((span) => span.name) }));
`;

export const withoutOtelProgram = `${aggregateProgram}
const loaded = await openAndLoad();
let apiResolvable = true;
try { await import('@opentelemetry/api'); } catch { apiResolvable = false; }
console.log(JSON.stringify({ otel: OTEL_AVAILABLE, open: loaded.state.open, version: loaded.version, apiResolvable }));
`;

/** Core's providers must accept the SDK's real ones, and its Span type must be the API's. */
export const withOtelTypes = `
import { AggregateRepository, aggregateHandlers, DeclarativeAggregate, InMemoryEventStore } from '@eventsource/core';
import { ComponentTracer, type Span } from '@eventsource/core/observability';
import { trace, type Span as ApiSpan } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
class Counter extends DeclarativeAggregate<{ count: number }> {
  readonly aggregateType = 'Counter';
  protected readonly handlers = aggregateHandlers<{ count: number }>();
  protected getInitialState() { return { count: 0 }; }
}
export const repository = new AggregateRepository({
  eventStore: new InMemoryEventStore({ tracerProvider: new TracerProvider(), meterProvider: new MeterProvider() }),
  aggregateFactory: Counter,
  tracerProvider: trace.getTracerProvider(),
});
export const fromCore = (span: Span | undefined): ApiSpan | undefined => span;
export const tracer = new ComponentTracer<string>('app', true, new TracerProvider());
`;
