import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { z } from 'zod';
import {
  createEvent,
  defineEvent,
  EventRegistry,
  EventTypeNotFoundError,
  InvalidArgumentError,
  SerializationError,
  type DomainEvent,
} from '../src/index.ts';
import { eventsourcePyWireFormat as format, resolveWireFormat } from '../src/kit.ts';

// Written by eventsource-py 0.15.1 itself: `model_dump_json()` of an event with these fields and
// the headers of `KafkaPublisher._create_headers` (tooling/interop-python/golden_message.py).
const PYTHON_VALUE =
  '{"event_id":"0b7c6f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f","event_type":"OrderPlaced","event_version":1,' +
  '"occurred_at":"2026-01-02T03:04:05.123000Z","aggregate_id":"5f0e4d3c-2b1a-4098-8776-655443322110",' +
  '"aggregate_type":"Order","aggregate_version":3,"tenant_id":"bbbbbbbb-cccc-4ddd-8eee-ffffffffffff",' +
  '"actor_id":"user-7","correlation_id":"11111111-2222-4333-8444-555555555555",' +
  '"causation_id":"66666666-7777-4888-9999-aaaaaaaaaaaa","metadata":{"source":"checkout","attempt":2},' +
  '"customer":"c-1","total":12.5,"lines":[{"sku":"A","qty":2}],"placed_at":"2026-01-02T03:04:05Z",' +
  '"units":12345678901234567890}';
const PYTHON_HEADERS: Record<string, string> = {
  event_id: '0b7c6f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f',
  event_type: 'OrderPlaced',
  aggregate_id: '5f0e4d3c-2b1a-4098-8776-655443322110',
  aggregate_type: 'Order',
  aggregate_version: '3',
  occurred_at: '2026-01-02T03:04:05.123000+00:00',
  correlation_id: '11111111-2222-4333-8444-555555555555',
  tenant_id: 'bbbbbbbb-cccc-4ddd-8eee-ffffffffffff',
  causation_id: '66666666-7777-4888-9999-aaaaaaaaaaaa',
  actor_id: 'user-7',
};

interface OrderPlacedData {
  customer: string;
  total: number;
  lines: { sku: string; qty: number }[];
  placed_at: Date | string;
  units: bigint;
}
const OrderPlaced = defineEvent<OrderPlacedData, 'OrderPlaced'>('OrderPlaced', { aggregateType: 'Order' });

function registry(...definitions: Parameters<EventRegistry['register']>[0][]): EventRegistry {
  const events = new EventRegistry();
  for (const definition of definitions) events.register(definition);
  return events;
}

function pythonEvent(overrides: Partial<OrderPlacedData> = {}): DomainEvent {
  return OrderPlaced.create(
    {
      customer: 'c-1',
      total: 12.5,
      lines: [{ sku: 'A', qty: 2 }],
      placed_at: new Date('2026-01-02T03:04:05.000Z'),
      units: 12345678901234567890n,
      ...overrides,
    },
    {
      eventId: '0b7c6f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f',
      aggregateId: '5f0e4d3c-2b1a-4098-8776-655443322110',
      aggregateVersion: 3,
      occurredAt: new Date('2026-01-02T03:04:05.123Z'),
      correlationId: '11111111-2222-4333-8444-555555555555',
      causationId: '66666666-7777-4888-9999-aaaaaaaaaaaa',
      tenantId: 'bbbbbbbb-cccc-4ddd-8eee-ffffffffffff',
      actorId: 'user-7',
      metadata: { source: 'checkout', attempt: 2 },
    },
  );
}

const noHeaders = (): undefined => undefined;

describe("the 'eventsource-py' wire format", () => {
  it('writes the value and headers eventsource-py 0.15.1 writes for the same event, byte for byte', () => {
    const { value, headers } = format.encode(pythonEvent());
    expect(value).toBe(PYTHON_VALUE);
    expect(headers).toEqual(PYTHON_HEADERS);
    expect(Object.keys(headers)).toEqual(Object.keys(PYTHON_HEADERS));
    expect(format.name).toBe('eventsource-py');
    expect(resolveWireFormat('eventsource-py')).toBe(format);
  });

  it('reads a Python message into the envelope and payload, payload fields beside the envelope', () => {
    const event = format.decode(PYTHON_VALUE, (name) => PYTHON_HEADERS[name], registry(OrderPlaced));
    expect(event).toEqual({
      eventId: '0b7c6f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f',
      eventType: 'OrderPlaced',
      eventVersion: 1,
      aggregateId: '5f0e4d3c-2b1a-4098-8776-655443322110',
      aggregateType: 'Order',
      aggregateVersion: 3,
      occurredAt: new Date('2026-01-02T03:04:05.123Z'),
      correlationId: '11111111-2222-4333-8444-555555555555',
      causationId: '66666666-7777-4888-9999-aaaaaaaaaaaa',
      tenantId: 'bbbbbbbb-cccc-4ddd-8eee-ffffffffffff',
      actorId: 'user-7',
      metadata: { source: 'checkout', attempt: 2 },
      data: {
        customer: 'c-1',
        total: 12.5,
        lines: [{ sku: 'A', qty: 2 }],
        placed_at: '2026-01-02T03:04:05Z',
        units: 12345678901234567890n,
      },
    });
    expect(Object.isFrozen(event)).toBe(true);
  });

  it('round-trips an event whose payload dates are strings; a schema that coerces brings Dates back', () => {
    const event = pythonEvent({ placed_at: '2026-01-02T03:04:05Z' });
    const { value, headers } = format.encode(event);
    expect(format.decode(value, (name) => headers[name], registry(OrderPlaced))).toEqual(event);

    const Coercing = defineEvent('OrderPlaced', {
      aggregateType: 'Order',
      schema: z.object({ placed_at: z.coerce.date() }).passthrough(),
    });
    const decoded = format.decode(value, noHeaders, registry(Coercing)).data as { placed_at: unknown };
    expect(decoded.placed_at).toEqual(new Date('2026-01-02T03:04:05.000Z'));
  });

  it('writes null for absent optional fields and reads them back as absent', () => {
    const event = createEvent({
      eventType: 'OrderPlaced',
      aggregateType: 'Order',
      aggregateId: '5f0e4d3c-2b1a-4098-8776-655443322110',
      occurredAt: new Date('2026-01-02T03:04:05.000Z'),
      data: { customer: 'c-2' },
    });
    const { value, headers } = format.encode(event);
    const record = JSON.parse(value) as Record<string, unknown>;
    expect(record).toMatchObject({
      occurred_at: '2026-01-02T03:04:05Z',
      tenant_id: null,
      actor_id: null,
      causation_id: null,
      metadata: {},
    });
    expect(headers.occurred_at).toBe('2026-01-02T03:04:05+00:00');
    expect(Object.keys(headers)).not.toContain('tenant_id');
    expect(Object.keys(headers)).not.toContain('causation_id');
    expect(Object.keys(headers)).not.toContain('actor_id');
    expect(format.decode(value, noHeaders, registry(OrderPlaced))).toEqual(event);
  });

  it('truncates microseconds and reads offsets and naive timestamps (as UTC)', () => {
    const read = (occurredAt: string): Date =>
      format.decode(
        PYTHON_VALUE.replace('2026-01-02T03:04:05.123000Z', occurredAt),
        noHeaders,
        registry(OrderPlaced),
      ).occurredAt;
    expect(read('2026-01-02T03:04:05.123999Z').toISOString()).toBe('2026-01-02T03:04:05.123Z');
    expect(read('2026-01-02T05:04:05.5+02:00').toISOString()).toBe('2026-01-02T03:04:05.500Z');
    expect(read('2026-01-01T22:34:05-04:30').toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(read('2026-01-02T03:04:05.000001').toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(() => read('2026-02-30T03:04:05Z')).toThrow(SerializationError);
    expect(() => read('yesterday')).toThrow(SerializationError);
  });

  it('refuses at publish what eventsource-py would reject, naming the field', () => {
    const base = pythonEvent();
    const publish = (changes: Partial<DomainEvent>): unknown => format.encode({ ...base, ...changes });
    expect(() => publish({ eventId: 'order-1-created' })).toThrow(
      /eventId "order-1-created" is not a lowercase hyphenated UUID/,
    );
    expect(() => publish({ aggregateId: 'order-123' })).toThrow(InvalidArgumentError);
    expect(() => publish({ eventId: base.eventId.toUpperCase() })).toThrow(/eventId/);
    expect(() => publish({ correlationId: 'corr' })).toThrow(/correlationId/);
    expect(() => publish({ causationId: 'cause' })).toThrow(/causationId/);
    expect(() => publish({ tenantId: 'acme' })).toThrow(/tenantId/);
    expect(() => publish({ aggregateType: 'Order Line' })).toThrow(/aggregateType "Order Line"/);
    expect(() => publish({ data: ['a'] })).toThrow(/data must be an object/);
    expect(() => publish({ data: 'text' })).toThrow(InvalidArgumentError);
    expect(() => publish({ data: { metadata: 1, event_id: 2 } })).toThrow(
      /payload field\(s\) metadata, event_id clash/,
    );
    expect(() => publish({ data: { total: Number.NaN } })).toThrow(/total is NaN/);
    expect(() => publish({ occurredAt: new Date(Number.NaN) })).toThrow(/occurredAt must be a valid Date/);
    expect(() => publish({ occurredAt: new Date('+010000-01-01T00:00:00Z') })).toThrow(/1\.\.9999/);
  });

  it('reads malformed messages as SerializationError and unregistered types as EventTypeNotFoundError', () => {
    const events = registry(OrderPlaced);
    expect(() => format.decode('{not json', noHeaders, events)).toThrow(SerializationError);
    expect(() => format.decode('[1]', noHeaders, events)).toThrow(/not a JSON object/);
    expect(() =>
      format.decode(
        PYTHON_VALUE.replace('"aggregate_version":3', '"aggregate_version":"3"'),
        noHeaders,
        events,
      ),
    ).toThrow(/aggregate_version must be a positive integer/);
    expect(() =>
      format.decode(PYTHON_VALUE.replace('"metadata":{', '"metadata":[],"x":{'), noHeaders, events),
    ).toThrow(/metadata must be an object/);
    expect(() => format.decode(PYTHON_VALUE, noHeaders, new EventRegistry())).toThrow(EventTypeNotFoundError);
  });

  it('takes the event type from the header when the value has none, as eventsource-py does', () => {
    const value = PYTHON_VALUE.replace('"event_type":"OrderPlaced",', '');
    const event = format.decode(value, (name) => PYTHON_HEADERS[name], registry(OrderPlaced));
    expect(event.eventType).toBe('OrderPlaced');
    expect(() => format.decode(value, noHeaders, registry(OrderPlaced))).toThrow(/no event_type/);
  });

  it('round-trips any event it accepts (property)', () => {
    const envelope = new Set(['event_id', 'event_type', 'event_version', 'occurred_at', 'aggregate_id']);
    for (const name of ['aggregate_type', 'aggregate_version', 'tenant_id', 'actor_id']) envelope.add(name);
    for (const name of ['correlation_id', 'causation_id', 'metadata']) envelope.add(name);
    const events = registry(OrderPlaced);
    // JSON has one number type: integers beyond 2^53 come back as bigints, smaller ones as numbers (documented).
    const json = fc.jsonValue({ maxDepth: 3 }).filter((value) => !changesThroughJson(value));
    fc.assert(
      fc.property(
        fc.record({
          eventId: fc.uuid(),
          aggregateId: fc.uuid(),
          aggregateType: fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/),
          aggregateVersion: fc.integer({ min: 1, max: 2 ** 31 }),
          occurredAt: fc.date({
            min: new Date('0001-01-01T00:00:00.000Z'),
            max: new Date('9999-12-31T23:59:59.999Z'),
            noInvalidDate: true,
          }),
          correlationId: fc.uuid(),
          causationId: fc.option(fc.uuid(), { nil: null }),
          tenantId: fc.option(fc.uuid(), { nil: undefined }),
          actorId: fc.option(fc.string(), { nil: undefined }),
          metadata: fc.dictionary(fc.string(), json),
          data: fc.dictionary(
            fc.string().filter((key) => !envelope.has(key)),
            fc.oneof(json, fc.bigInt({ min: 2n ** 53n }), fc.bigInt({ max: -(2n ** 53n) })),
          ),
        }),
        (fields) => {
          const event = createEvent({ eventType: 'OrderPlaced', ...fields });
          const { value, headers } = format.encode(event);
          expect(format.decode(value, (name) => headers[name], events)).toEqual(event);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Numbers JSON cannot give back as they were: -0, and integers beyond 2^53 (they come back as bigints). */
function changesThroughJson(value: unknown): boolean {
  if (typeof value === 'number')
    return Object.is(value, -0) || (Number.isInteger(value) && !Number.isSafeInteger(value));
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(changesThroughJson);
}
