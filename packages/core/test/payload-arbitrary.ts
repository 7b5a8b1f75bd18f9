import fc from 'fast-check';

// Shared with the store packages' property tests (imported by relative path, like core's tests
// import @eventsource/testing): payloads that stress the tagged JSON encoding.

/** Keys that collide with the encoding's tags and escapes, mixed with ordinary ones. */
const key = fc.oneof(
  fc.constantFrom(
    '$date',
    '$bigint',
    '$$date',
    '$$bigint',
    '$$$date',
    '$',
    '$dat',
    'date',
    'bigint',
    '__proto__',
  ),
  fc.string({ maxLength: 6 }),
);

/** JSON-safe leaves plus the two types the encoding adds (no NaN, no -0: JSON has neither). */
const leaf = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => (Object.is(value, -0) ? 0 : value)),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt(),
  fc.date({ noInvalidDate: true }),
  fc.constantFrom('12x', 'not a date', '2026-01-01T00:00:00.000Z', '12'),
);

/** Any payload: nested objects and arrays, often one-key objects spelled like tags. */
export const payload: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object'), tie('single')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  single: fc.tuple(key, tie('value')).map(([name, value]) => ({ [name]: value })),
})).value;
