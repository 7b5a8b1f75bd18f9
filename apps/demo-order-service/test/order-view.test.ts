import { describe, expect, it } from '@jest/globals';
import { ItemAdded, ItemRemoved, OrderCreated, OrderPlaced } from '../src/domain/order-events.ts';
import { evolveView, EventOutOfOrderError, type OrderView } from '../src/read-model/order-view.ts';

const orderId = 'view-1';
const events = [
  OrderCreated.create({ customerId: 'c-1' }, { aggregateId: orderId, aggregateVersion: 1 }),
  ItemAdded.create(
    { sku: 'tea', quantity: 2, unitPriceCents: 300 },
    { aggregateId: orderId, aggregateVersion: 2 },
  ),
  ItemAdded.create(
    { sku: 'cup', quantity: 1, unitPriceCents: 900 },
    { aggregateId: orderId, aggregateVersion: 3 },
  ),
  ItemRemoved.create({ sku: 'cup' }, { aggregateId: orderId, aggregateVersion: 4 }),
  OrderPlaced.create({ totalCents: 600 }, { aggregateId: orderId, aggregateVersion: 5 }),
];

describe('the order read model', () => {
  it('folds the events into the view GET answers', () => {
    const view = events.reduce<OrderView | undefined>(
      (current, event) => evolveView(current, event),
      undefined,
    );
    expect(view).toMatchObject({
      orderId,
      customerId: 'c-1',
      status: 'placed',
      items: [{ sku: 'tea', quantity: 2, unitPriceCents: 300 }],
      totalCents: 600,
      version: 5,
    });
  });

  it('ignores an event it has applied and refuses one that skips a version', () => {
    const afterTwo = evolveView(evolveView(undefined, events[0]!), events[1]!);
    expect(evolveView(afterTwo, events[1]!)).toBeUndefined();
    expect(() => evolveView(afterTwo, events[3]!)).toThrow(EventOutOfOrderError);
    expect(() => evolveView(undefined, events[1]!)).toThrow(/version 2, the read model is at 0/);
  });
});
