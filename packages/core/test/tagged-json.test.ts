import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { payload } from './payload-arbitrary.ts';
import { defineEvent, EventRegistry, fromJson, toJson } from '../src/index.ts';
import { decodeEvent, encodeEvent, reviveJson, serializeEvent, deserializeEvent } from '../src/kit.ts';

const Anything = defineEvent<unknown, 'Anything'>('Anything', { aggregateType: 'Thing' });
const registry = new EventRegistry();
registry.register(Anything);

describe('tagged JSON', () => {
  it('round-trips any payload, whatever its keys (property)', () => {
    fc.assert(
      fc.property(payload, (value) => {
        const text = toJson(value);
        expect(fromJson(text)).toEqual(value);
        // The JSONB path: parsed by the driver, then revived.
        expect(reviveJson(JSON.parse(text))).toEqual(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips events through the bus wire form and the stored form (property)', () => {
    fc.assert(
      fc.property(payload, payload, (data, extra) => {
        const event = Anything.create(data, { aggregateId: 'thing-1', metadata: { extra } });
        const decoded = decodeEvent(encodeEvent(event), registry);
        expect(decoded.data).toEqual(data);
        expect(decoded.metadata).toEqual({ extra });
        const stored = deserializeEvent(serializeEvent(event), registry);
        expect(stored.data).toEqual(data);
        expect(stored.metadata).toEqual({ extra });
      }),
      { numRuns: 1000 },
    );
  });

  it('escapes a user object shaped like a tag, and only that', () => {
    expect(toJson({ note: { $bigint: '12x' } })).toBe('{"note":{"$$bigint":"12x"}}');
    expect(toJson({ $$date: 1 })).toBe('{"$$$date":1}');
    expect(toJson({ $date: 1, other: 2 })).toBe('{"$date":1,"other":2}');
    expect(toJson({ at: new Date(0), n: 5n })).toBe(
      '{"at":{"$date":"1970-01-01T00:00:00.000Z"},"n":{"$bigint":"5"}}',
    );
    expect(toJson({ plain: [1, 'two'] })).toBe('{"plain":[1,"two"]}');
  });

  it('reads rows written before the escape existed: broken tags stay the plain objects they were', () => {
    // Written by the earlier encoder, which stored user objects like these unescaped.
    expect(fromJson('{"note":{"$bigint":"12x"}}')).toEqual({ note: { $bigint: '12x' } });
    expect(fromJson('{"note":{"$date":"not a date"}}')).toEqual({ note: { $date: 'not a date' } });
    expect(fromJson('{"note":{"$bigint":7}}')).toEqual({ note: { $bigint: 7 } });
    expect(reviveJson({ note: { $bigint: '12x' } })).toEqual({ note: { $bigint: '12x' } });
    // Its real tags still read as before.
    expect(fromJson('{"at":{"$date":"2026-01-01T00:00:00.000Z"},"n":{"$bigint":"-12"}}')).toEqual({
      at: new Date('2026-01-01T00:00:00.000Z'),
      n: -12n,
    });
  });
});
