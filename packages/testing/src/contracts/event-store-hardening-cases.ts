import { expect, it } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  defineEvent,
  EventDecodingError,
  EventValidationError,
  InvalidArgumentError,
  MAX_ID_LENGTH,
  type DefineEventOptions,
  type DomainEvent,
  type EventRegistry,
  type EventStore,
  type StoredEvent,
} from '@eventsource/core';
import type { TelemetryCapture } from '../telemetry.ts';
import { ContractCheckedOut, ContractNoteTaken, itemsAdded, noteTaken, uniqueId } from './fixtures.ts';

/** What the cases need of the running event-store contract. */
export interface HardeningSubject {
  readonly store: EventStore;
  readonly registry: EventRegistry;
  readonly telemetry: TelemetryCapture;
}

/**
 * Payloads shaped like the JSON encoding's own tags (`$date`, `$bigint`) and escapes, next to
 * real dates and bigints: every one must come back exactly as written.
 */
export const TAG_SHAPED_PAYLOADS: readonly unknown[] = [
  { note: { $bigint: '12x' } },
  { note: { $bigint: '12' } },
  { note: { $date: 'not a date' } },
  { note: { $date: '2026-01-01T00:00:00.000Z' } },
  { $bigint: '7' },
  { $date: new Date(Date.UTC(2026, 0, 2)) },
  { $$date: 'escaped once', nested: [{ $$$bigint: '1' }, { $bigint: 5n }] },
  { list: [{ $date: 1 }, { $bigint: null }, { $bigint: { $date: 'x' } }], at: new Date(0), big: -42n },
  { $date: 'x', other: 1 },
  [{ $bigint: '3' }, 3n, new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999))],
];

const BAD_IDS: readonly (readonly [string, string])[] = [
  ['a lone high surrogate', 'acct-\ud800'],
  ['a lone low surrogate', 'acct-\udbff'],
  ['a NUL character', 'acct-\u0000-x'],
  ['more than the length limit', 'a'.repeat(MAX_ID_LENGTH + 1)],
  ['10 KB', 'k'.repeat(10_240)],
];

async function collect(iterable: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> {
  const items: StoredEvent[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function readAllUntilError(
  store: EventStore,
  fromPosition: number,
): Promise<{ events: StoredEvent[]; error: unknown }> {
  const events: StoredEvent[] = [];
  try {
    for await (const stored of store.readAll({ fromPosition, pageSize: 50 })) events.push(stored);
  } catch (error) {
    return { events, error };
  }
  return { events, error: undefined };
}

/** A schema that accepts until told otherwise: a payload stored, then refused on read. */
function switchableSchema(): {
  schema: NonNullable<DefineEventOptions<{ text: string }>['schema']>;
  refuse: () => void;
} {
  let accepting = true;
  return {
    refuse: () => {
      accepting = false;
    },
    schema: {
      '~standard': {
        version: 1,
        vendor: 'eventsource-contract',
        validate: (value) =>
          accepting
            ? { value: value as { text: string } }
            : { issues: [{ message: 'this payload is no longer accepted', path: ['text'] }] },
      },
    },
  };
}

/** Cases from the fault and bad-input probes (issue 10), run by the event-store contract. */
export function eventStoreHardeningCases(subject: () => HardeningSubject): void {
  it('round-trips payloads shaped like the encoding tags, through getEvents and readAll', async () => {
    const { store } = subject();
    const cartId = uniqueId('cart');
    const start = await store.getGlobalPosition();
    const events = TAG_SHAPED_PAYLOADS.map(
      (data, index) =>
        ({
          ...ContractCheckedOut.create({ total: index }, { aggregateId: cartId }),
          aggregateVersion: index + 1,
          data,
        }) as DomainEvent,
    );
    await store.appendEvents(cartId, 'ContractCart', events, 'no_stream');
    const stream = await store.getEvents(cartId, 'ContractCart');
    expect(stream.events.map((event) => event.data)).toEqual([...TAG_SHAPED_PAYLOADS]);
    const all = (await collect(store.readAll({ fromPosition: start }))).filter(
      (stored) => stored.event.aggregateId === cartId,
    );
    expect(all.map((stored) => stored.event.data)).toEqual([...TAG_SHAPED_PAYLOADS]);
  });

  it('names an undecodable event by id and position, and readAll still delivers the events around it', async () => {
    const { store, registry } = subject();
    const { schema, refuse } = switchableSchema();
    const Strict = defineEvent<{ text: string }, 'ContractStrictNote'>(`ContractStrictNote`, {
      aggregateType: 'ContractNote',
      schema,
    });
    if (!registry.has(Strict.eventType)) registry.register(Strict);
    const start = await store.getGlobalPosition();
    const before = uniqueId('note');
    const poison = uniqueId('note');
    const after = uniqueId('note');
    await store.appendEvents(before, 'ContractNote', [noteTaken(before, 'before')], 'no_stream');
    const strict = Strict.create({ text: 'stored' }, { aggregateId: poison });
    const { lastPosition } = await store.appendEvents(poison, 'ContractNote', [strict], 'no_stream');
    await store.appendEvents(after, 'ContractNote', [noteTaken(after, 'after')], 'no_stream');
    refuse();

    const ours = (stored: StoredEvent) => [before, poison, after].includes(stored.event.aggregateId);
    const first = await readAllUntilError(store, start);
    expect(first.events.filter(ours).map((stored) => stored.event.aggregateId)).toEqual([before]);
    expect(first.error).toBeInstanceOf(EventDecodingError);
    const decoding = first.error as EventDecodingError;
    expect(decoding).toMatchObject({
      eventId: strict.eventId,
      eventType: 'ContractStrictNote',
      aggregateId: poison,
      streamPosition: 1,
      globalPosition: lastPosition,
    });
    expect(decoding.message).toContain(strict.eventId);
    expect(decoding.cause).toBeInstanceOf(EventValidationError);
    expect(JSON.parse(decoding.raw.data)).toEqual({ text: 'stored' });
    const rest = await collect(store.readAll({ fromPosition: lastPosition }));
    expect(rest.filter(ours).map((stored) => stored.event.aggregateId)).toEqual([after]);

    const fromStream = await store.getEvents(poison, 'ContractNote').catch((error: unknown) => error);
    expect(fromStream).toBeInstanceOf(EventDecodingError);
    expect(fromStream).toMatchObject({ eventId: strict.eventId, streamPosition: 1 });
  });

  it('stamps the append span trace context without a context manager too', async () => {
    const { store, telemetry } = subject();
    // The API instance `captureTelemetry` installed; without a context manager `active()` is the root.
    api.context.disable();
    try {
      const cartId = uniqueId('cart');
      await store.appendEvents(cartId, 'ContractCart', itemsAdded(cartId, 2), 'no_stream');
      const append = telemetry
        .spans()
        .find(
          (span) =>
            span.name.endsWith('.append_events') && span.attributes['eventsource.aggregate.id'] === cartId,
        );
      expect(append).toBeDefined();
      const { traceId, spanId } = append!.spanContext();
      const stored = (await store.getEvents(cartId, 'ContractCart')).events;
      expect(stored.map((event) => event.metadata.traceparent)).toEqual([
        `00-${traceId}-${spanId}-01`,
        `00-${traceId}-${spanId}-01`,
      ]);
    } finally {
      api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    }
  });

  it('refuses ill-formed, NUL-bearing and over-long ids before any I/O, for appends and reads', async () => {
    const { store } = subject();
    for (const [, id] of BAD_IDS) {
      const event = { ...noteTaken(uniqueId('note'), 'x'), aggregateId: id };
      await expect(store.appendEvents(id, 'ContractNote', [event], 'any')).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
      const typed = { ...noteTaken('note-x', 'x'), aggregateType: id };
      await expect(store.appendEvents('note-x', id, [typed], 'any')).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
      const noteId = uniqueId('note');
      const withEventId = { ...noteTaken(noteId, 'x'), eventId: id };
      await expect(store.appendEvents(noteId, 'ContractNote', [withEventId], 'any')).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
      await expect(store.getEvents(id, 'ContractNote')).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(store.getStreamVersion(id, 'ContractNote')).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(store.eventExists(id)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(store.getEventsByType(id)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
  });

  it('takes ids right at the length limit, in multi-byte characters', async () => {
    const { store } = subject();
    const prefix = uniqueId('n');
    const aggregateId = prefix + '€'.repeat(MAX_ID_LENGTH - prefix.length);
    const aggregateType = '型'.repeat(MAX_ID_LENGTH);
    const eventId = prefix + '𝄞'.repeat((MAX_ID_LENGTH - prefix.length) >> 1);
    const event = {
      ...ContractNoteTaken.create({ text: 'long ids' }, { aggregateId, aggregateType }),
      eventId,
    };
    await store.appendEvents(aggregateId, aggregateType, [event], 'no_stream');
    const stream = await store.getEvents(aggregateId, aggregateType);
    expect(stream.events.map((stored) => [stored.eventId, stored.aggregateId, stored.aggregateType])).toEqual(
      [[eventId, aggregateId, aggregateType]],
    );
    expect(await store.eventExists(eventId)).toBe(true);
  });
}
