import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { waitFor } from '../bus-helpers.ts';
import { spansFromOutput, type ProcessSpan } from '../span-process.ts';
import { isChildOf, linksTo } from '../telemetry.ts';
import { recorder, type BusContractContext } from './event-bus-contract-context.ts';
import { ContractItemAdded, itemsAdded, uniqueId } from './fixtures.ts';

/** Traces: the seed's example across two processes, in-process dispatch, no context manager. */
export function traceCases(context: BusContractContext): void {
  const { config, declared, timeout, when, newBus, newScope } = context;
  const [remoteIt, remoteName] = when(
    declared.distributed,
    "reproduces the seed's example trace across two processes",
    'distributed not declared',
  );
  remoteIt(
    remoteName,
    async () => {
      const scope = newScope('trace');
      const consumerGroup = `${scope}-group`;
      const child = runTraceChild(config.factoryModule, scope, consumerGroup, timeout);
      await child.ready;
      const bus = await newBus(scope, { tracerProvider: context.telemetry().tracerProvider });
      context.telemetry().reset();
      const event = itemsAdded(uniqueId('order'), 1)[0]!;
      await bus.publish([event]);
      const spans = await child.spans;
      const publish = context.telemetry().span('eventsource.event_bus.publish');
      expect(publish.kind).toBe(api.SpanKind.PRODUCER);
      const consume = spans.find((span) =>
        ['eventsource.event_bus.consume', 'eventsource.event_bus.process'].includes(span.name),
      );
      expect(consume).toBeDefined();
      expect(consume!.traceId).toBe(publish.spanContext().traceId);
      expect(consume!.parentSpanId).toBe(publish.spanContext().spanId);
      expect(consume!.links).toContain(publish.spanContext().spanId);
      const dispatch = spans.find((span) => span.name === 'eventsource.event_bus.dispatch');
      expect(dispatch?.parentSpanId).toBe(consume!.spanId);
      expect(dispatch?.attributes['eventsource.handler.count']).toBe(2);
      const handles = spans.filter((span) => span.name === 'eventsource.event_bus.handle');
      expect(handles.map((span) => span.attributes['eventsource.handler.name']).sort()).toEqual([
        'NotificationService',
        'OrderProjection',
      ]);
      for (const handle of handles) {
        expect(handle.parentSpanId).toBe(dispatch!.spanId);
        expect(handle.attributes['eventsource.handler.success']).toBe(true);
      }
      expect(publish.attributes['messaging.system']).toBe(consume!.attributes['messaging.system']);
      expect(publish.attributes['eventsource.event.type']).toBe('ContractItemAdded');
      expect(publish.attributes['eventsource.aggregate.id']).toBe(event.aggregateId);
    },
    timeout,
  );

  const [localIt, localName] = when(
    !declared.distributed,
    'dispatches within the publisher trace: dispatch with the handler count, one handle span per handler',
    'a distributed bus traces across processes instead',
  );
  localIt(
    localName,
    async () => {
      const bus = await newBus(newScope('local-trace'), {
        tracerProvider: context.telemetry().tracerProvider,
      });
      bus.subscribe(ContractItemAdded, { name: 'OrderProjection', handle: () => undefined });
      bus.subscribe(ContractItemAdded, { name: 'NotificationService', handle: () => undefined });
      await bus.startConsuming();
      context.telemetry().reset();
      await bus.publish(itemsAdded(uniqueId('order'), 1));
      const dispatch = context.telemetry().span('eventsource.event_bus.dispatch');
      expect(dispatch.attributes['eventsource.handler.count']).toBe(2);
      const handles = context.telemetry().spansNamed('eventsource.event_bus.handle');
      expect(handles).toHaveLength(2);
      for (const handle of handles) expect(isChildOf(handle, dispatch)).toBe(true);
    },
    timeout,
  );

  remoteIt(
    declared.distributed
      ? 'carries the trace with a tracerProvider and no context manager registered'
      : 'carries the trace without a context manager (skipped: distributed not declared)',
    async () => {
      const scope = newScope('no-context-manager');
      const publisher = await newBus(scope, { tracerProvider: context.telemetry().tracerProvider });
      const consumer = await newBus(scope, { tracerProvider: context.telemetry().tracerProvider });
      const handled = recorder();
      consumer.subscribe(ContractItemAdded, handled.handler);
      await consumer.startConsuming();
      context.telemetry().reset();
      api.context.disable();
      try {
        const event = itemsAdded(uniqueId('cart'), 1)[0]!;
        await publisher.publish([event]);
        await waitFor(() => handled.ids().has(event.eventId), 'the event', timeout / 2);
        await waitFor(
          () =>
            context
              .telemetry()
              .spans()
              .some(
                (span) =>
                  span.name.startsWith('eventsource.event_bus.consume') ||
                  span.name === 'eventsource.event_bus.process',
              ),
          'the consumer span',
        );
      } finally {
        captureTelemetryContext();
      }
      const publish = context.telemetry().span('eventsource.event_bus.publish');
      const consume = context
        .telemetry()
        .spans()
        .find(
          (span) =>
            span.name === 'eventsource.event_bus.consume' || span.name === 'eventsource.event_bus.process',
        )!;
      expect(consume.spanContext().traceId).toBe(publish.spanContext().traceId);
      expect(linksTo(consume, publish)).toBe(true);
    },
    timeout,
  );
}

/** Puts a context manager back after a case removed it. */
function captureTelemetryContext(): void {
  api.context.disable();
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** Runs the trace child; `ready` once it consumes, `spans` when it exits. */
function runTraceChild(
  factoryModule: string,
  scope: string,
  consumerGroup: string,
  timeoutMs: number,
): { ready: Promise<void>; spans: Promise<ProcessSpan[]> } {
  const script = fileURLToPath(
    new URL(`./event-bus-trace-child${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
  );
  const child = spawn(process.execPath, ['--conditions=@eventsource/source', '--no-warnings', script], {
    env: { ...process.env, FACTORY_MODULE: factoryModule, SCOPE: scope, GROUP: consumerGroup },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let stdout = '';
  let stderr = '';
  const ready = Promise.withResolvers<void>();
  const spans = Promise.withResolvers<ProcessSpan[]>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (stdout.includes('READY\n')) ready.resolve();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  child.on('exit', (code) => {
    clearTimeout(timer);
    ready.reject(new Error(`the trace child exited with ${String(code)} before it consumed:\n${stderr}`));
    try {
      spans.resolve(spansFromOutput(stdout));
    } catch (error) {
      spans.reject(new Error(`the trace child exited with ${String(code)}: ${String(error)}\n${stderr}`));
    }
  });
  ready.promise.catch(() => undefined);
  return { ready: ready.promise, spans: spans.promise };
}
