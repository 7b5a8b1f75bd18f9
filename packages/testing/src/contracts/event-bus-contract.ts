import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  ClosedError,
  createEvent,
  DLQReasons,
  type DeadLetterInspection,
  type DomainEvent,
  type EventBus,
  type EventBusCapabilities,
} from '@eventsource/core';
import { encodeEvent } from '@eventsource/core/kit';
import { meterCapture, pointsOf, waitFor } from '../bus-helpers.ts';
import { spansFromOutput, type ProcessSpan } from '../span-process.ts';
import { captureTelemetry, isChildOf, linksTo, type TelemetryCapture } from '../telemetry.ts';
import type { ContractBusFactory, ContractBusOptions } from './event-bus-contract-types.ts';
import { ContractItemAdded, ContractNoteTaken, contractRegistry, itemsAdded, uniqueId } from './fixtures.ts';

export interface EventBusContractConfig {
  /** Shown in the suite name. */
  readonly name: string;
  /** What the bus declares; checked against `bus.capabilities`. Undeclared cases show as skipped. */
  readonly capabilities: EventBusCapabilities;
  /**
   * URL of a module exporting `createBus` ({@link ContractBusFactory}). It is imported here and, for
   * the two-process trace case, in a child process.
   */
  readonly factoryModule: string;
  /** Puts raw bytes on the bus's wire as a foreign producer would. Required with `deadLetters`. */
  readonly sendRaw?: (bus: EventBus, value: string, headers: Record<string, string>) => Promise<void>;
  /** The bus's metric prefix (`kafka` for `kafka.eventbus.*`); the catalogue case runs when given. */
  readonly metricPrefix?: string;
  /** Removes what the suite's scopes created on the broker (topics, queues, streams). */
  readonly cleanup?: (scopes: readonly string[]) => Promise<void>;
  /** How long one case may take. Default 60000. */
  readonly timeoutMs?: number;
}

/** Each handled event, in handling order. */
function recorder() {
  const events: DomainEvent[] = [];
  return {
    events,
    handler: (event: DomainEvent) => void events.push(event),
    ids: () => new Set(events.map((event) => event.eventId)),
  };
}

function isInspectable(bus: EventBus): bus is EventBus & DeadLetterInspection {
  return typeof (bus as Partial<DeadLetterInspection>).readDlq === 'function';
}

/**
 * The behaviour every `EventBus` must have, in one call. The adapter's factory module maps
 * {@link ContractBusOptions} onto its options; each case uses its own scope, so cases never see
 * each other's messages. Cases of a capability the bus does not declare are skipped, with the reason
 * in their name.
 */
export function eventBusContract(config: EventBusContractConfig): void {
  const declared = config.capabilities;
  const timeout = config.timeoutMs ?? 60_000;
  const when = (capability: boolean, name: string, reason: string) =>
    [capability ? it : it.skip, capability ? name : `${name} (skipped: ${reason})`] as const;
  const scopes: string[] = [];
  const open: EventBus[] = [];
  let createBus: ContractBusFactory;
  let telemetry: TelemetryCapture;

  async function newBus(scope: string, overrides: Partial<ContractBusOptions> = {}): Promise<EventBus> {
    const bus = await createBus({
      scope,
      consumerGroup: `${scope}-group`,
      registry: contractRegistry(),
      maxRetries: 2,
      retryBaseDelayMs: 100,
      ...overrides,
    });
    open.push(bus);
    return bus;
  }

  function newScope(label: string): string {
    const scope = `contract-${label}-${randomUUID().slice(0, 8)}`;
    scopes.push(scope);
    return scope;
  }

  describe(`EventBus contract: ${config.name}`, () => {
    beforeAll(async () => {
      telemetry = captureTelemetry();
      ({ createBus } = (await import(config.factoryModule)) as { createBus: ContractBusFactory });
    });

    afterAll(async () => {
      await Promise.allSettled(open.map((bus) => bus.close()));
      await config.cleanup?.(scopes);
      await telemetry.shutdown();
    }, timeout);

    it('declares the capabilities the suite runs with', async () => {
      const bus = await newBus(newScope('capabilities'));
      expect(bus.capabilities).toEqual(declared);
      if (declared.dlqInspection) expect(isInspectable(bus)).toBe(true);
    });

    it(
      'delivers to typed and wildcard handlers, and unsubscribed handlers get nothing more',
      async () => {
        const bus = await newBus(newScope('delivery'));
        const typed = recorder();
        const wildcard = recorder();
        const dropped = recorder();
        bus.subscribe(ContractItemAdded, typed.handler);
        bus.subscribeAll(wildcard.handler);
        const stop = bus.subscribe(ContractNoteTaken, dropped.handler);
        const viaMethod = recorder();
        bus.subscribe(ContractNoteTaken, viaMethod.handler);
        stop();
        expect(bus.unsubscribe(ContractNoteTaken, viaMethod.handler)).toBe(true);
        expect(bus.unsubscribe(ContractNoteTaken, viaMethod.handler)).toBe(false);
        await bus.startConsuming();
        await bus.startConsuming();
        const cartId = uniqueId('cart');
        const items = itemsAdded(cartId, 2);
        const note = ContractNoteTaken.create({ text: 'hello' }, { aggregateId: uniqueId('note') });
        await bus.publish([...items, note]);
        await waitFor(
          () => wildcard.events.length >= 3 && typed.events.length >= 2,
          'delivery to every handler',
        );
        expect([...typed.ids()].sort()).toEqual(items.map((event) => event.eventId).sort());
        expect(wildcard.ids()).toEqual(new Set([...items, note].map((event) => event.eventId)));
        const received = typed.events.find((event) => event.eventId === items[0]!.eventId);
        expect(received?.data).toEqual(items[0]!.data);
        expect(received?.occurredAt).toEqual(items[0]!.occurredAt);
        expect(dropped.events).toEqual([]);
        expect(viaMethod.events).toEqual([]);
      },
      timeout,
    );

    const [groupsIt, groupsName] = when(
      declared.consumerGroups,
      'every consumer group gets every event',
      'consumerGroups not declared',
    );
    groupsIt(
      groupsName,
      async () => {
        const scope = newScope('groups');
        const first = await newBus(scope, { consumerGroup: `${scope}-a` });
        const second = await newBus(scope, { consumerGroup: `${scope}-b` });
        const seenByFirst = recorder();
        const seenBySecond = recorder();
        first.subscribe(ContractItemAdded, seenByFirst.handler);
        second.subscribe(ContractItemAdded, seenBySecond.handler);
        await Promise.all([first.startConsuming(), second.startConsuming()]);
        const events = itemsAdded(uniqueId('cart'), 6);
        await first.publish(events);
        const all = new Set(events.map((event) => event.eventId));
        await waitFor(
          () => seenByFirst.ids().size === 6 && seenBySecond.ids().size === 6,
          'both groups to receive all six events',
          timeout / 2,
        );
        expect(seenByFirst.ids()).toEqual(all);
        expect(seenBySecond.ids()).toEqual(all);
      },
      timeout,
    );

    groupsIt(
      declared.consumerGroups
        ? 'members of one group share the work, and nothing is lost'
        : 'members of one group share the work (skipped: consumerGroups not declared)',
      async () => {
        const scope = newScope('members');
        const members = [await newBus(scope), await newBus(scope)];
        const seen = members.map(() => recorder());
        members.forEach((member, index) => member.subscribe(ContractItemAdded, seen[index]!.handler));
        await Promise.all(members.map((member) => member.startConsuming()));
        const published = new Set<string>();
        // Rounds of events across many aggregates until each member has handled some (a member
        // may need a moment to get its share of the work after joining).
        const deadline = Date.now() + timeout / 2;
        while (seen.some((member) => member.events.length === 0)) {
          if (Date.now() > deadline) throw new Error('a member of the group never received any work');
          const round = Array.from({ length: 10 }, () => itemsAdded(uniqueId('cart'), 1)[0]!);
          await members[0]!.publish(round);
          for (const event of round) published.add(event.eventId);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        await waitFor(
          () => [...published].every((id) => seen.some((member) => member.ids().has(id))),
          'every published event to be handled by some member',
          timeout / 2,
        );
        for (const member of seen) expect(member.events.length).toBeGreaterThan(0);
      },
      timeout,
    );

    const [orderIt, orderName] = when(
      declared.perAggregateOrdering,
      "one aggregate's events are handled in publish order",
      'perAggregateOrdering not declared',
    );
    orderIt(
      orderName,
      async () => {
        const bus = await newBus(newScope('order'));
        const seen = recorder();
        bus.subscribe(ContractItemAdded, seen.handler);
        await bus.startConsuming();
        const carts = Array.from({ length: 4 }, () => uniqueId('cart'));
        const streams = carts.map((cartId) => itemsAdded(cartId, 10));
        const interleaved = Array.from({ length: 10 }, (_, version) =>
          streams.map((events) => events[version]!),
        ).flat();
        for (let start = 0; start < interleaved.length; start += 8)
          await bus.publish(interleaved.slice(start, start + 8));
        await waitFor(() => seen.ids().size === interleaved.length, 'all 40 events handled', timeout / 2);
        for (const cartId of carts) {
          const firstSeen: number[] = [];
          for (const event of seen.events)
            if (event.aggregateId === cartId && !firstSeen.includes(event.aggregateVersion ?? -1))
              firstSeen.push(event.aggregateVersion ?? -1);
          expect(firstSeen).toEqual(Array.from({ length: 10 }, (_, index) => index + 1));
        }
      },
      timeout,
    );

    const [deadIt, deadName] = when(
      declared.deadLetters,
      'retries a failing handler with waiting back-off, then dead-letters it while later events flow',
      'deadLetters not declared',
    );
    deadIt(
      deadName,
      async () => {
        const meters = meterCapture();
        const bus = await newBus(newScope('retry'), {
          maxRetries: 2,
          retryBaseDelayMs: 200,
          meterProvider: meters.meterProvider,
        });
        const [poison, healthy] = [
          itemsAdded(uniqueId('poison'), 1)[0]!,
          itemsAdded(uniqueId('cart'), 1)[0]!,
        ];
        const attempts: number[] = [];
        const handled = recorder();
        bus.subscribe(ContractItemAdded, {
          name: 'FlakyProjection',
          handle: (event) => {
            if (event.eventId !== poison.eventId) return handled.handler(event);
            attempts.push(performance.now());
            throw new Error('projection down');
          },
        });
        await bus.startConsuming();
        await bus.publish([poison]);
        await bus.publish([healthy]);
        await waitFor(
          () => attempts.length >= 3 && handled.ids().has(healthy.eventId),
          'retries and the later event',
          timeout / 2,
        );
        expect(attempts).toHaveLength(3);
        // Exponential back-off from 200 ms, no jitter assumed beyond the bus's default ±10 %.
        expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(150);
        expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(300);
        if (config.metricPrefix !== undefined) {
          await waitFor(
            async () =>
              pointsOf(await meters.metric(`${config.metricPrefix}.eventbus.messages.dlq`)).length > 0,
            'the DLQ counter',
          );
          expect(pointsOf(await meters.metric(`${config.metricPrefix}.eventbus.messages.dlq`))).toEqual([
            {
              attributes: { 'eventsource.dlq.reason': DLQReasons.maxRetriesExceeded, 'error.type': 'Error' },
              value: 1,
            },
          ]);
        }
        if (declared.dlqInspection && isInspectable(bus)) {
          await waitFor(async () => (await bus.dlqMessageCount()) >= 1, 'the dead letter to be counted');
          const [letter] = await bus.readDlq({ limit: 1 });
          expect(letter?.reason).toBe(DLQReasons.maxRetriesExceeded);
          expect(letter?.headers.event_id).toBe(poison.eventId);
          expect(letter?.headers.dlq_error_message).toBe('projection down');
          expect(letter?.headers.dlq_retry_count).toBe('2');
          if (config.metricPrefix !== undefined) {
            // An observable gauge: it reads the DLQ when collected, so it cannot go stale.
            const size = await meters.metric(`${config.metricPrefix}.eventbus.dlq.size`);
            expect(pointsOf(size)[0]?.value).toBeGreaterThanOrEqual(1);
          }
        }
        await meters.shutdown();
      },
      timeout,
    );

    deadIt(
      declared.deadLetters
        ? 'dead-letters a malformed message and an unknown event type, and consumption goes on'
        : 'dead-letters malformed and unknown messages (skipped: deadLetters not declared)',
      async () => {
        if (config.sendRaw === undefined)
          throw new Error('eventBusContract: sendRaw is required with deadLetters');
        const bus = await newBus(newScope('malformed'));
        const handled = recorder();
        bus.subscribeAll(handled.handler);
        await bus.startConsuming();
        const cartId = uniqueId('cart');
        await config.sendRaw(bus, '{ not json', { event_type: 'ContractItemAdded', event_id: 'malformed-1' });
        const unknown = encodeEvent(
          createEvent({
            eventType: 'NobodyRegisteredThis',
            eventId: 'unknown-1',
            aggregateId: cartId,
            aggregateType: 'ContractCart',
            data: {},
          }),
        );
        await config.sendRaw(bus, unknown, { event_type: 'NobodyRegisteredThis', event_id: 'unknown-1' });
        const good = itemsAdded(cartId, 1)[0]!;
        await bus.publish([good]);
        await waitFor(
          () => handled.ids().has(good.eventId),
          'the good event after the bad ones',
          timeout / 2,
        );
        expect([...handled.ids()]).toEqual([good.eventId]);
        if (declared.dlqInspection && isInspectable(bus)) {
          await waitFor(async () => (await bus.dlqMessageCount()) >= 2, 'two dead letters');
          const reasons = (await bus.readDlq({ limit: 10 })).map((letter) => [
            letter.headers.event_id,
            letter.reason,
          ]);
          expect(reasons.sort()).toEqual([
            ['malformed-1', DLQReasons.deserializationError],
            ['unknown-1', DLQReasons.unknownEventType],
          ]);
        }
      },
      timeout,
    );

    const [replayIt, replayName] = when(
      declared.dlqReplay,
      'replays dead letters to the group that failed them',
      'dlqReplay not declared',
    );
    replayIt(
      replayName,
      async () => {
        const bus = await newBus(newScope('replay'), { maxRetries: 0, retryBaseDelayMs: 0 });
        if (!isInspectable(bus) || bus.replayDlq === undefined)
          throw new Error('dlqReplay declared without replayDlq');
        let failing = true;
        const handled = recorder();
        bus.subscribe(ContractItemAdded, (event) => {
          if (failing) throw new Error('not yet');
          handled.handler(event);
        });
        await bus.startConsuming();
        const event = itemsAdded(uniqueId('cart'), 1)[0]!;
        await bus.publish([event]);
        await waitFor(async () => (await bus.dlqMessageCount()) === 1, 'the dead letter');
        failing = false;
        expect(await bus.replayDlq({ limit: 10 })).toBe(1);
        await waitFor(
          () => handled.ids().has(event.eventId),
          'the replayed event to be handled',
          timeout / 2,
        );
        await waitFor(async () => (await bus.dlqMessageCount()) === 0, 'the DLQ to be empty');
      },
      timeout,
    );

    it(
      'stopConsuming lets a handler in flight finish, and is idempotent',
      async () => {
        const bus = await newBus(newScope('drain'));
        let started = false;
        let finished = false;
        bus.subscribe(ContractItemAdded, async () => {
          started = true;
          await new Promise((resolve) => setTimeout(resolve, 500));
          finished = true;
        });
        await bus.startConsuming();
        await bus.publish(itemsAdded(uniqueId('cart'), 1));
        await waitFor(() => started, 'the handler to start', timeout / 2);
        await Promise.all([bus.stopConsuming(), bus.stopConsuming()]);
        expect(finished).toBe(true);
        await bus.stopConsuming();
      },
      timeout,
    );

    it('closes twice without error, then refuses to publish with ClosedError', async () => {
      const bus = await newBus(newScope('close'));
      await bus.close();
      await expect(bus.close()).resolves.toBeUndefined();
      await expect(bus.publish(itemsAdded(uniqueId('cart'), 1))).rejects.toBeInstanceOf(ClosedError);
    });

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
        const bus = await newBus(scope, { tracerProvider: telemetry.tracerProvider });
        telemetry.reset();
        const event = itemsAdded(uniqueId('order'), 1)[0]!;
        await bus.publish([event]);
        const spans = await child.spans;
        const publish = telemetry.span('eventsource.event_bus.publish');
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
        const bus = await newBus(newScope('local-trace'), { tracerProvider: telemetry.tracerProvider });
        bus.subscribe(ContractItemAdded, { name: 'OrderProjection', handle: () => undefined });
        bus.subscribe(ContractItemAdded, { name: 'NotificationService', handle: () => undefined });
        await bus.startConsuming();
        telemetry.reset();
        await bus.publish(itemsAdded(uniqueId('order'), 1));
        const dispatch = telemetry.span('eventsource.event_bus.dispatch');
        expect(dispatch.attributes['eventsource.handler.count']).toBe(2);
        const handles = telemetry.spansNamed('eventsource.event_bus.handle');
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
        const publisher = await newBus(scope, { tracerProvider: telemetry.tracerProvider });
        const consumer = await newBus(scope, { tracerProvider: telemetry.tracerProvider });
        const handled = recorder();
        consumer.subscribe(ContractItemAdded, handled.handler);
        await consumer.startConsuming();
        telemetry.reset();
        api.context.disable();
        try {
          const event = itemsAdded(uniqueId('cart'), 1)[0]!;
          await publisher.publish([event]);
          await waitFor(() => handled.ids().has(event.eventId), 'the event', timeout / 2);
          await waitFor(
            () =>
              telemetry
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
        const publish = telemetry.span('eventsource.event_bus.publish');
        const consume = telemetry
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

    const [metricsIt, metricsName] = when(
      config.metricPrefix !== undefined,
      'emits the metric catalogue with its prefix',
      'the bus has no metric catalogue',
    );
    metricsIt(
      metricsName,
      async () => {
        const prefix = config.metricPrefix!;
        const meters = meterCapture();
        const bus = await newBus(newScope('metrics'), { meterProvider: meters.meterProvider });
        const handled = recorder();
        bus.subscribe(ContractItemAdded, handled.handler);
        await bus.startConsuming();
        const events = itemsAdded(uniqueId('cart'), 3);
        await bus.publish(events);
        await waitFor(() => handled.ids().size === 3, 'the three events');
        await waitFor(
          async () =>
            (pointsOf(await meters.metric(`${prefix}.eventbus.handler.invocations`))[0]?.value ?? 0) >= 3,
          'the handler counter',
        );
        const names = await meters.names();
        for (const suffix of [
          'messages.published',
          'messages.consumed',
          'handler.invocations',
          'handler.duration',
          'publish.duration',
          'consume.duration',
          'batch.size',
          'connections.active',
        ])
          expect(names).toContain(`${prefix}.eventbus.${suffix}`);
        const published = pointsOf(await meters.metric(`${prefix}.eventbus.messages.published`));
        expect(published.reduce((total, point) => total + point.value, 0)).toBe(3);
        expect(published[0]?.attributes['eventsource.event.type']).toBe('ContractItemAdded');
        expect(typeof published[0]?.attributes['messaging.system']).toBe('string');
        await meters.shutdown();
      },
      timeout,
    );
  });
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
