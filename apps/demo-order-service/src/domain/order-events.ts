import { defineEvent, EventRegistry } from '@eventsource/core';

export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
  /** Price of one unit in cents, so totals never meet floating-point rounding. */
  readonly unitPriceCents: number;
}

export const OrderCreated = defineEvent<{ customerId: string }, 'OrderCreated'>('OrderCreated', {
  aggregateType: 'Order',
});
export const ItemAdded = defineEvent<OrderLine, 'ItemAdded'>('ItemAdded', { aggregateType: 'Order' });
export const ItemRemoved = defineEvent<{ sku: string }, 'ItemRemoved'>('ItemRemoved', {
  aggregateType: 'Order',
});
export const OrderPlaced = defineEvent<{ totalCents: number }, 'OrderPlaced'>('OrderPlaced', {
  aggregateType: 'Order',
});
export const OrderCancelled = defineEvent<{ reason: string }, 'OrderCancelled'>('OrderCancelled', {
  aggregateType: 'Order',
});

/** Every order event, for handlers that subscribe to all of them. */
export const orderEventTypes = [OrderCreated, ItemAdded, ItemRemoved, OrderPlaced, OrderCancelled].map(
  (definition) => definition.eventType,
);

/** The registry both services decode order events with (its own, so nothing else leaks in). */
export function orderRegistry(): EventRegistry {
  const registry = new EventRegistry();
  for (const definition of [OrderCreated, ItemAdded, ItemRemoved, OrderPlaced, OrderCancelled]) {
    registry.register(definition);
  }
  return registry;
}
