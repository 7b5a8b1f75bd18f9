import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  ConcurrencyError,
  EventTypeNotFoundError,
  EventValidationError,
  InvalidArgumentError,
  defineEvent,
  type DomainEvent,
  type EventRegistry,
  type EventStore,
  type EventStoreCapabilities,
  type StoredEvent,
} from '@eventsource/core';
import { getOpenTelemetryApi } from '@eventsource/core/observability';
import { captureTelemetry, type TelemetryCapture } from '../telemetry.ts';
import { eventStoreHardeningCases } from './event-store-hardening-cases.ts';
import {
  ContractItemAdded,
  ContractNoteTaken,
  ContractQuantityChanged,
  contractRegistry,
  itemsAdded,
  noteTaken,
  resolveSubject,
  uniqueId,
  type ContractSubject,
} from './fixtures.ts';

export interface EventStoreContractContext {
  readonly registry: EventRegistry;
}

export interface EventStoreContractOptions {
  /**
   * What the store declares (default: every capability). The suite checks the store really
   * declares exactly this, runs the cases of each declared capability and shows the others as
   * skipped, with the reason in the test name.
   */
  readonly capabilities?: EventStoreCapabilities;
}

async function collect(iterable: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> {
  const items: StoredEvent[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/**
 * The behaviour every `EventStore` must have. `create` gets the suite's registry and returns a
 * store on an isolated database (or one shared database: the suite uses unique stream ids).
 */
export function eventStoreContract(
  name: string,
  create: (context: EventStoreContractContext) => Promise<ContractSubject<EventStore>>,
  options: EventStoreContractOptions = {},
): void {
  const declared: EventStoreCapabilities = options.capabilities ?? { appendNotifications: true };
  describe(`EventStore contract: ${name}`, () => {
    let telemetry: TelemetryCapture;
    let store: EventStore;
    let dispose: () => Promise<void>;
    let registry: EventRegistry;

    beforeAll(() => {
      telemetry = captureTelemetry();
    });
    afterAll(async () => telemetry.shutdown());
    beforeEach(async () => {
      registry = contractRegistry();
      ({ subject: store, dispose } = await resolveSubject(await create({ registry })));
      telemetry.reset();
    });
    afterEach(async () => {
      await store.close();
      await dispose();
    });

    it('appends to a new stream and reads it back in version order, payload intact', async () => {
      const cartId = uniqueId('cart');
      const events = itemsAdded(cartId, 3);
      const result = await store.appendEvents(cartId, 'ContractCart', events, 'no_stream');
      expect(result).toMatchObject({ nextVersion: 3, written: 3 });
      const stream = await store.getEvents(cartId, 'ContractCart');
      expect(stream.version).toBe(3);
      expect(stream.events.map((event) => event.aggregateVersion)).toEqual([1, 2, 3]);
      expect(stream.events.map((event) => event.eventId)).toEqual(events.map((event) => event.eventId));
      expect(stream.events[1]!.data).toEqual(events[1]!.data);
      expect((stream.events[1]!.data as { addedAt: Date }).addedAt).toBeInstanceOf(Date);
      expect(stream.events[0]!.occurredAt.toISOString()).toBe(events[0]!.occurredAt.toISOString());
      expect(stream.events[0]!.correlationId).toBe(events[0]!.correlationId);
    });

    it('rejects a stale expected version with the versions, writing nothing', async () => {
      const cartId = uniqueId('cart');
      await store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 2), 0);
      const error = await store
        .appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 1, 2), 1)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ expectedVersion: 1, actualVersion: 2, aggregateId: cartId });
      expect((await store.getEvents(cartId, 'ContractCart')).events).toHaveLength(2);
    });

    it('honours any, no_stream, stream_exists and exact versions', async () => {
      const cartId = uniqueId('cart');
      await expect(
        store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 1), 'stream_exists'),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      await store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 1), 'any');
      await expect(
        store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 1, 2), 'no_stream'),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      await store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 1, 2), 'stream_exists');
      await store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 1, 3), 2);
      expect(await store.getStreamVersion(cartId, 'ContractCart')).toBe(3);
    });

    it('skips events already stored, so a retried append is harmless', async () => {
      const cartId = uniqueId('cart');
      const events = itemsAdded(cartId, 2);
      await store.appendEvents(cartId, 'ContractCart', events, 'no_stream');
      const retry = await store.appendEvents(cartId, 'ContractCart', events, 'no_stream');
      expect(retry.written).toBe(0);
      expect((await store.getEvents(cartId, 'ContractCart')).events).toHaveLength(2);
      expect(await store.eventExists(events[0]!.eventId)).toBe(true);
      expect(await store.eventExists(uniqueId('missing'))).toBe(false);
    });

    it('treats an empty append as a no-op and an unknown stream as empty', async () => {
      const cartId = uniqueId('cart');
      expect((await store.appendEvents(cartId, 'ContractCart', [], 'any')).written).toBe(0);
      const stream = await store.getEvents(cartId, 'ContractCart');
      expect(stream).toMatchObject({ version: 0, events: [] });
      expect(await store.getStreamVersion(cartId, 'ContractCart')).toBe(0);
    });

    it('reads a stream from a version', async () => {
      const cartId = uniqueId('cart');
      await store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 5), 'no_stream');
      const stream = await store.getEvents(cartId, 'ContractCart', { fromVersion: 3 });
      expect(stream.events.map((event) => event.aggregateVersion)).toEqual([4, 5]);
      expect(stream.version).toBe(5);
    });

    it('keeps streams apart by aggregate type', async () => {
      const id = uniqueId('shared');
      await store.appendEvents(id, 'ContractCart', itemsAdded(id, 2), 'no_stream');
      await store.appendEvents(id, 'ContractNote', [noteTaken(id, 'hello')], 'no_stream');
      expect(await store.getStreamVersion(id, 'ContractCart')).toBe(2);
      expect((await store.getEvents(id, 'ContractNote')).events.map((event) => event.eventType)).toEqual([
        'ContractNoteTaken',
      ]);
    });

    it('reads all events in global order, exclusive of fromPosition, in pages, with filters', async () => {
      const start = await store.getGlobalPosition();
      const first = uniqueId('cart');
      const second = uniqueId('note');
      await store.appendEvents(first, 'ContractCart', itemsAdded(first, 3), 'no_stream');
      await store.appendEvents(
        second,
        'ContractNote',
        [noteTaken(second, 'a'), noteTaken(second, 'b')].map((event, index) => ({
          ...event,
          aggregateVersion: index + 1,
        })),
        'no_stream',
      );
      const all = (await collect(store.readAll({ fromPosition: start, pageSize: 2 }))).filter((stored) =>
        [first, second].includes(stored.event.aggregateId),
      );
      expect(all.map((stored) => stored.event.aggregateId)).toEqual([first, first, first, second, second]);
      const positions = all.map((stored) => stored.globalPosition);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(new Set(positions).size).toBe(positions.length);
      expect(all[0]!.streamPosition).toBe(1);
      const after = await collect(store.readAll({ fromPosition: positions[2]!, limit: 1 }));
      expect(after[0]?.globalPosition).toBeGreaterThan(positions[2]!);
      const notes = (
        await collect(store.readAll({ fromPosition: start, eventTypes: ['ContractNoteTaken'] }))
      ).filter((stored) => stored.event.aggregateId === second);
      expect(notes).toHaveLength(2);
      const carts = await collect(store.readAll({ fromPosition: start, aggregateTypes: ['ContractCart'] }));
      expect(carts.every((stored) => stored.event.aggregateType === 'ContractCart')).toBe(true);
      expect(await store.getGlobalPosition()).toBeGreaterThanOrEqual(positions.at(-1)!);
    });

    it('has no gaps and no duplicates in global order under concurrent appends', async () => {
      const start = await store.getGlobalPosition();
      const shared = uniqueId('contended');
      const attempts = Array.from({ length: 12 }, (_, index) => {
        const own = uniqueId(`cart${index}`);
        return [
          store.appendEvents(own, 'ContractCart', itemsAdded(own, 2), 'no_stream').then(() => 2),
          store.appendEvents(shared, 'ContractCart', itemsAdded(shared, 1), 'no_stream').then(
            () => 1,
            (error: unknown) => {
              expect(error).toBeInstanceOf(ConcurrencyError);
              return 0;
            },
          ),
        ];
      }).flat();
      const written = (await Promise.all(attempts)).reduce((sum, count) => sum + count, 0);
      expect(await store.getStreamVersion(shared, 'ContractCart')).toBe(1);
      const seen = await collect(store.readAll({ fromPosition: start }));
      const ours = seen.filter((stored) => stored.event.aggregateType === 'ContractCart');
      expect(ours.length).toBeGreaterThanOrEqual(written);
      const ids = ours.map((stored) => stored.event.eventId);
      expect(new Set(ids).size).toBe(ids.length);
      const positions = seen.map((stored) => stored.globalPosition);
      expect(positions.every((position, index) => index === 0 || position > positions[index - 1]!)).toBe(
        true,
      );
    });

    it("never refuses an 'any' append under contention: each gets the next version", async () => {
      const cartId = uniqueId('cart');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 1, index + 1), 'any'),
        ),
      );
      expect(results.every((result) => result.written === 1)).toBe(true);
      const stream = await store.getEvents(cartId, 'ContractCart');
      expect(stream.events.map((event) => event.aggregateVersion)).toEqual(
        Array.from({ length: 20 }, (_, index) => index + 1),
      );
    });

    it('keeps apart streams whose ids and types contain the separator', async () => {
      const suffix = uniqueId('x');
      await store.appendEvents(`a-${suffix}`, 'ContractCart', itemsAdded(`a-${suffix}`, 1), 'no_stream');
      const other = ContractNoteTaken.create(
        { text: 'other' },
        { aggregateId: suffix, aggregateType: 'ContractCart-a' },
      );
      await expect(store.appendEvents(suffix, 'ContractCart-a', [other], 'no_stream')).resolves.toMatchObject(
        { written: 1 },
      );
      expect(await store.getStreamVersion(`a-${suffix}`, 'ContractCart')).toBe(1);
      expect(
        (await store.getEvents(suffix, 'ContractCart-a')).events.map((event) => event.aggregateId),
      ).toEqual([suffix]);
    });

    it('finds events by aggregate type and tenant', async () => {
      const cartId = uniqueId('cart');
      const tenantId = uniqueId('tenant');
      await store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 2, 1, tenantId), 'no_stream');
      const found = await store.getEventsByType('ContractCart', { tenantId });
      expect(found.map((event) => event.aggregateId)).toEqual([cartId, cartId]);
    });

    it('refuses bad input with typed errors and writes nothing', async () => {
      const cartId = uniqueId('cart');
      const foreign = itemsAdded(uniqueId('other'), 1);
      await expect(store.appendEvents(cartId, 'ContractCart', foreign, 'any')).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
      const Unregistered = defineEvent<{ n: number }>('ContractUnregistered', {
        aggregateType: 'ContractCart',
      });
      const unknown = Unregistered.create({ n: 1 }, { aggregateId: cartId });
      await expect(store.appendEvents(cartId, 'ContractCart', [unknown], 'any')).rejects.toBeInstanceOf(
        EventTypeNotFoundError,
      );
      await expect(
        store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 1), -1),
      ).rejects.toBeInstanceOf(InvalidArgumentError);
      for (const bad of [null, 'not events', [null], [42]]) {
        await expect(
          Promise.resolve().then(() => store.appendEvents(cartId, 'ContractCart', bad as never, 'any')),
        ).rejects.toBeInstanceOf(InvalidArgumentError);
        expect(
          () => void store.appendEvents(cartId, 'ContractCart', bad as never, 'any').catch(() => undefined),
        ).not.toThrow();
      }
      expect(await store.getStreamVersion(cartId, 'ContractCart')).toBe(0);
    });

    it('validates payloads against the registered schema before writing anything', async () => {
      const cartId = uniqueId('cart');
      const valid = ContractQuantityChanged.create(
        { sku: 'a', quantity: 2 },
        { aggregateId: cartId, aggregateVersion: 1 },
      );
      const invalid = {
        ...ContractQuantityChanged.create(
          { sku: 'b', quantity: 1 },
          { aggregateId: cartId, aggregateVersion: 2 },
        ),
        data: { sku: 'b', quantity: -5 },
      };
      await expect(
        store.appendEvents(cartId, 'ContractCart', [valid, invalid], 'no_stream'),
      ).rejects.toBeInstanceOf(EventValidationError);
      expect(await store.getStreamVersion(cartId, 'ContractCart')).toBe(0);
      expect(await store.eventExists(valid.eventId)).toBe(false);
      await store.appendEvents(cartId, 'ContractCart', [valid], 'no_stream');
      expect((await store.getEvents(cartId, 'ContractCart')).events[0]!.data).toEqual({
        sku: 'a',
        quantity: 2,
      });
    });

    it('stores the append span trace context in each event and emits the append span', async () => {
      const api = getOpenTelemetryApi()!;
      const cartId = uniqueId('cart');
      await api.trace.getTracer('contract').startActiveSpan('request', async (span) => {
        await store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 2), 'no_stream');
        span.end();
      });
      const append = telemetry.spans().find((span) => span.name.endsWith('.append_events'));
      expect(append).toBeDefined();
      expect(append!.attributes).toMatchObject({
        'eventsource.aggregate.id': cartId,
        'eventsource.aggregate.type': 'ContractCart',
        'eventsource.event.count': 2,
      });
      expect(append!.parentSpanContext?.spanId).toBe(telemetry.span('request').spanContext().spanId);
      const stored = (await store.getEvents(cartId, 'ContractCart')).events;
      const spanContext = append!.spanContext();
      for (const event of stored) {
        expect(event.metadata.traceparent).toBe(`00-${spanContext.traceId}-${spanContext.spanId}-01`);
      }
      expect(telemetry.spans().some((span) => span.name.endsWith('.get_events'))).toBe(true);
    });

    it('keeps a traceparent the caller already set', async () => {
      const cartId = uniqueId('cart');
      const origin = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const [event] = itemsAdded(cartId, 1);
      const withOrigin: DomainEvent = { ...event!, metadata: { traceparent: origin } };
      await store.appendEvents(cartId, 'ContractCart', [withOrigin], 'no_stream');
      expect((await store.getEvents(cartId, 'ContractCart')).events[0]!.metadata.traceparent).toBe(origin);
    });

    it('declares the capabilities the suite runs with', () => {
      expect(store.capabilities).toEqual(declared);
    });

    const ifNotifications = declared.appendNotifications ? it : it.skip;
    ifNotifications(
      declared.appendNotifications
        ? 'notifies append listeners'
        : 'notifies append listeners (skipped: appendNotifications not declared)',
      async () => {
        const cartId = uniqueId('cart');
        const woken = new Promise<void>((resolve) => {
          const unsubscribe = store.onAppend(() => {
            unsubscribe();
            resolve();
          });
        });
        await store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 1), 'no_stream');
        await woken;
      },
    );

    it('closes twice without error', async () => {
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
    });

    eventStoreHardeningCases(() => ({ store, registry, telemetry }));

    it('uses the registry it was given for reading', async () => {
      const cartId = uniqueId('cart');
      await store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 1), 'no_stream');
      const [event] = (await store.getEvents(cartId, 'ContractCart')).events;
      expect(ContractItemAdded.is(event!)).toBe(true);
      expect(registry.has('ContractItemAdded')).toBe(true);
    });
  });
}
