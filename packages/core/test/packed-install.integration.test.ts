import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Installs the packed @eventsource/core into throwaway projects outside the workspace, from the
// tarball a user would download, and runs a ten-line program there: once with the OpenTelemetry
// API and SDK installed, once with no OpenTelemetry package at all. Both projects also compile
// TypeScript against the packed declaration files with `skipLibCheck: false`: without the optional
// peer, every entry point's types must resolve (no .d.ts may import `@opentelemetry/api`); with
// the SDK, its real providers must be accepted where core asks for a TracerProvider/MeterProvider.
const packageDir = join(import.meta.dirname, '..');
const workspaceRoot = join(packageDir, '..', '..');

function workspaceVersion(name: string): string {
  return (
    JSON.parse(readFileSync(join(workspaceRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
}

/** TypeScript and Node's types, as a TypeScript user's project has them. */
const typescriptDependencies = {
  typescript: workspaceVersion('typescript'),
  '@types/node': workspaceVersion('@types/node'),
};

/** One `import * as` per entry point in core's exports map, so every declaration file is checked. */
function everyEntryPoint(): string {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
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

function compileTypes(dir: string, source: string): void {
  writeFileSync(join(dir, 'types.ts'), source);
  writeFileSync(
    join(dir, 'tsconfig.json'),
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
      include: ['types.ts'],
    }),
  );
  try {
    execFileSync('npx', ['--no-install', 'tsc', '-p', '.'], { cwd: dir, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc failed in ${dir}:\n${output.stdout ?? ''}${output.stderr ?? ''}`, { cause: error });
  }
}

const program = `
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

function project(name: string, dependencies: Record<string, string>, main: string): string {
  const dir = mkdtempSync(join(tmpdir(), `eventsource-${name}-`));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, private: true, type: 'module', dependencies }),
  );
  writeFileSync(join(dir, 'main.mjs'), main);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    stdio: 'pipe',
  });
  return dir;
}

describe('packed @eventsource/core', () => {
  let tarball: string;
  const dirs: string[] = [];

  beforeAll(() => {
    const out = mkdtempSync(join(tmpdir(), 'eventsource-tarball-'));
    dirs.push(out);
    execFileSync('pnpm', ['run', 'build'], { cwd: packageDir, stdio: 'pipe' });
    const packed = execFileSync('pnpm', ['pack', '--pack-destination', out, '--json'], {
      cwd: packageDir,
      encoding: 'utf8',
    });
    tarball = (JSON.parse(packed) as { filename: string }).filename;
  }, 120_000);
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('runs in a project with the OpenTelemetry SDK and emits its spans', () => {
    const dir = project(
      'with-otel',
      {
        '@eventsource/core': `file:${tarball}`,
        '@opentelemetry/api': '1.10.0',
        '@opentelemetry/sdk-trace': '3.1.1',
        '@opentelemetry/context-async-hooks': '3.1.1',
        '@opentelemetry/sdk-metrics': '3.1.1',
        ...typescriptDependencies,
      },
      `${program}
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
const loaded = await openAndLoad();
console.log(JSON.stringify({ otel: OTEL_AVAILABLE, open: loaded.state.open, spans: exporter.getFinishedSpans().map((span) => span.name) }));
`,
    );
    dirs.push(dir);
    compileTypes(
      dir,
      `${everyEntryPoint()}
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
`,
    );
    const output = JSON.parse(execFileSync('node', ['main.mjs'], { cwd: dir, encoding: 'utf8' }));
    expect(output).toEqual({
      otel: true,
      open: true,
      spans: [
        'in_memory_event_store.append_events',
        'eventsource.repository.save',
        'in_memory_event_store.get_events',
        'eventsource.repository.load',
      ],
    });
  }, 180_000);

  it('works without @opentelemetry/api installed at all', () => {
    const dir = project(
      'without-otel',
      { '@eventsource/core': `file:${tarball}`, ...typescriptDependencies },
      `${program}
const loaded = await openAndLoad();
let apiResolvable = true;
try { await import('@opentelemetry/api'); } catch { apiResolvable = false; }
console.log(JSON.stringify({ otel: OTEL_AVAILABLE, open: loaded.state.open, version: loaded.version, apiResolvable }));
`,
    );
    dirs.push(dir);
    compileTypes(dir, everyEntryPoint());
    const output = JSON.parse(execFileSync('node', ['main.mjs'], { cwd: dir, encoding: 'utf8' }));
    expect(output).toEqual({ otel: false, open: true, version: 1, apiResolvable: false });
  }, 180_000);
});
