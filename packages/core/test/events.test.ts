import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  causedBy,
  createEvent,
  defaultRegistry,
  defineEvent,
  DuplicateEventTypeError,
  EventRegistry,
  EventTypeNotFoundError,
  EventValidationError,
  fromJson,
  InvalidArgumentError,
  registerEvent,
  SerializationError,
  toJson,
  withMetadata,
} from '../src/index.ts';
import { decodeEvent, deserializeEvent, encodeEvent, reviveJson, serializeEvent } from '../src/kit.ts';
import { TaskCreated } from './support.ts';

describe('events', () => {
  it('creates envelopes with ids, time, correlation and the given data', () => {
    const event = TaskCreated.create({ title: 'Write tests' }, { aggregateId: 'task-1' });
    expect(event).toMatchObject({
      eventType: 'TaskCreated',
      aggregateType: 'Task',
      aggregateVersion: 1,
      eventVersion: 1,
      causationId: null,
    });
    expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.occurredAt).toBeInstanceOf(Date);
    expect(Object.isFrozen(event)).toBe(true);
    expect(TaskCreated.is(event)).toBe(true);
  });

  it('links causation and merges metadata without mutating the original', () => {
    const cause = TaskCreated.create({ title: 'a' }, { aggregateId: 'task-1' });
    const effect = causedBy(TaskCreated.create({ title: 'b' }, { aggregateId: 'task-2' }), cause);
    expect(effect).toMatchObject({ correlationId: cause.correlationId, causationId: cause.eventId });
    const tagged = withMetadata(effect, { source: 'test' });
    expect(tagged.metadata).toEqual({ source: 'test' });
    expect(effect.metadata).toEqual({});
  });

  it('refuses bad definitions and envelopes', () => {
    expect(() => defineEvent('has space')).toThrow(InvalidArgumentError);
    expect(() => defineEvent('V0', { version: 0 })).toThrow(InvalidArgumentError);
    expect(() => defineEvent('V3', { version: 3, upcasters: { 1: (data) => data } })).toThrow(
      /upcaster from version 2/,
    );
    expect(() =>
      defineEvent('V2', { version: 2, upcasters: { 1: (data) => data, 5: (data) => data } }),
    ).toThrow(InvalidArgumentError);
    expect(() => defineEvent('NoType').create({}, { aggregateId: 'x' })).toThrow(/aggregateType is required/);
    expect(() => TaskCreated.create({ title: 'x' }, { aggregateId: '' })).toThrow(InvalidArgumentError);
    expect(() => TaskCreated.create({ title: 'x' }, { aggregateId: 'a', aggregateVersion: 0 })).toThrow(
      InvalidArgumentError,
    );
  });

  it('validates payloads with any Standard Schema, on create and on read', () => {
    const Priced = defineEvent('Priced', {
      aggregateType: 'Item',
      schema: z.object({ price: z.number().positive() }),
    });
    expect(Priced.create({ price: 3 }, { aggregateId: 'i' }).data).toEqual({ price: 3 });
    const error = (() => {
      try {
        Priced.create({ price: -1 }, { aggregateId: 'i' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(EventValidationError);
    expect((error as EventValidationError).issues[0]!.path).toEqual(['price']);
    const registry = new EventRegistry();
    registry.register(Priced);
    const record = {
      ...serializeEvent(Priced.create({ price: 3 }, { aggregateId: 'i' })),
      data: '{"price":-2}',
    };
    expect(() => deserializeEvent(record, registry)).toThrow(EventValidationError);
  });

  it('refuses asynchronous schemas', () => {
    const asyncSchema = {
      '~standard': { version: 1, vendor: 'test', validate: async (value: unknown) => ({ value }) },
    } as const;
    const Async = defineEvent('AsyncSchema', { aggregateType: 'A', schema: asyncSchema as never });
    expect(() => Async.create({}, { aggregateId: 'a' })).toThrow(/synchronously/);
  });

  it('keeps a registry of definitions', () => {
    const registry = new EventRegistry();
    registry.register(TaskCreated);
    registry.register(TaskCreated);
    expect(() => registry.register(defineEvent('TaskCreated'))).toThrow(DuplicateEventTypeError);
    expect(registry.get('TaskCreated')).toBe(TaskCreated);
    expect(registry.find('Nope')).toBeUndefined();
    expect(() => registry.get('Nope')).toThrow(/Unknown event type "Nope" \(registered: TaskCreated\)/);
    expect(() => new EventRegistry().get('Nope')).toThrow(/none are registered/);
    expect(registry.list()).toEqual(['TaskCreated']);
    expect(registry.size).toBe(1);
    expect(registry.unregister('TaskCreated')).toBe(true);
    registry.register(TaskCreated);
    registry.clear();
    expect(registry.has('TaskCreated')).toBe(false);
    const Local = defineEvent('RegisteredByDefault', { aggregateType: 'X' });
    expect(registerEvent(Local)).toBe(Local);
    expect(defaultRegistry.has('RegisteredByDefault')).toBe(true);
    defaultRegistry.unregister('RegisteredByDefault');
  });

  it('round-trips dates and bigints through JSON', () => {
    const value = {
      at: new Date('2026-01-02T03:04:05.678Z'),
      big: 12345678901234567890n,
      list: [new Date(0)],
      plain: { $date: 1 },
    };
    const revived = fromJson(toJson(value)) as typeof value;
    expect(revived.at).toEqual(value.at);
    expect(revived.big).toBe(value.big);
    expect(revived.list[0]).toEqual(new Date(0));
    expect(revived.plain).toEqual({ $date: 1 });
    expect(reviveJson(JSON.parse(toJson(value)))).toEqual(value);
    expect(fromJson(toJson(new Date(5)))).toEqual(new Date(5));
    let deep: unknown = { leaf: 1n };
    for (let level = 0; level < 70; level += 1) deep = { level, child: deep };
    expect(fromJson(toJson(deep))).toEqual(deep);
    expect(toJson({ plain: [1, 'two', { three: true }] })).toBe('{"plain":[1,"two",{"three":true}]}');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => toJson(circular)).toThrow(SerializationError);
    expect(() => fromJson('{nope')).toThrow(SerializationError);
  });

  it('upcasts old payloads on read and refuses versions from the future', () => {
    const Renamed = defineEvent<{ fullName: string }>('PersonNamed', {
      aggregateType: 'Person',
      version: 3,
      upcasters: {
        1: (data) => ({ name: (data as { n: string }).n }),
        2: (data) => ({ fullName: (data as { name: string }).name }),
      },
    });
    const registry = new EventRegistry();
    registry.register(Renamed);
    const stored = {
      ...serializeEvent(
        createEvent({
          eventType: 'PersonNamed',
          aggregateType: 'Person',
          aggregateId: 'p',
          data: { n: 'Ada' },
        }),
      ),
      eventVersion: 1,
    };
    const event = deserializeEvent(stored, registry);
    expect(event.data).toEqual({ fullName: 'Ada' });
    expect(event.eventVersion).toBe(3);
    expect(() => deserializeEvent({ ...stored, eventVersion: 4 }, registry)).toThrow(
      /newer than the registered version/,
    );
    expect(() => deserializeEvent({ ...stored, eventType: 'Unknown' }, registry)).toThrow(
      EventTypeNotFoundError,
    );
  });

  it('encodes events for the wire and rejects malformed messages', () => {
    const registry = new EventRegistry();
    registry.register(TaskCreated);
    const event = TaskCreated.create(
      { title: 'x', due: new Date('2027-01-01T00:00:00Z') },
      { aggregateId: 't', tenantId: 'acme', actorId: 'ada' },
    );
    const decoded = decodeEvent(Buffer.from(encodeEvent(event)), registry);
    expect(decoded).toEqual(event);
    expect(() => decodeEvent('{"hello":1}', registry)).toThrow(SerializationError);
    expect(() => decodeEvent('[]', registry)).toThrow(SerializationError);
    expect(() => decodeEvent('not json', registry)).toThrow(SerializationError);
  });

  it('accepts already-parsed JSON columns', () => {
    const registry = new EventRegistry();
    registry.register(TaskCreated);
    const event = TaskCreated.create({ title: 'x', due: new Date(7) }, { aggregateId: 't' });
    const record = serializeEvent(event);
    const parsed = deserializeEvent(
      {
        ...record,
        data: JSON.parse(record.data),
        metadata: JSON.parse(record.metadata),
        occurredAt: event.occurredAt,
      },
      registry,
    );
    expect(parsed.data).toEqual(event.data);
  });
});
