import { describe, expect, it } from '@jest/globals';
import { defineEvent, EventRegistry } from '@eventsource/core';
import { decodeEvent, encodeEvent, serializeEvent } from '@eventsource/core/kit';
import { outboxParameters } from '../src/outbox-rows.ts';

const PriceSet = defineEvent<{ amount: bigint; at: Date; note: string }>('PriceSet', {
  aggregateType: 'Product',
});

describe('outbox rows', () => {
  it('store the event as the document core encodeEvent writes, so decodeEvent reads it back', () => {
    const registry = new EventRegistry();
    registry.register(PriceSet);
    const event = PriceSet.create(
      {
        amount: 12_345_678_901_234_567_890n,
        at: new Date('2026-01-02T03:04:05.678Z'),
        note: 'a "quoted" \u2028 note',
      },
      { aggregateId: 'product-1', metadata: { traceparent: '00-abc-def-01' } },
    );
    const stored = outboxParameters(serializeEvent(event), Date.now())[5] as string;
    expect(JSON.parse(stored)).toEqual(JSON.parse(encodeEvent(event)));
    const decoded = decodeEvent(stored, registry);
    expect(decoded.data).toEqual(event.data);
    expect(decoded.metadata).toEqual(event.metadata);
  });
});
