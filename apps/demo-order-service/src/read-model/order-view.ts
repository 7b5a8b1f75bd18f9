import type { DomainEvent } from '@eventsource/core';
import { orderTotalCents, type OrderStatus } from '../domain/order.ts';
import type { OrderLine } from '../domain/order-events.ts';

/** What GET /orders/:id answers: the read model's row for one order. */
export interface OrderView {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly items: readonly OrderLine[];
  readonly totalCents: number;
  /** The version of the last event applied. */
  readonly version: number;
  readonly updatedAt: string;
}

/** Where the projection writes and the order service reads. */
export interface OrderReadModel {
  get(orderId: string): Promise<OrderView | undefined>;
  /**
   * Applies one order event. Idempotent: an event at or below the row's version is ignored, so
   * at-least-once delivery never applies an event twice.
   */
  apply(event: DomainEvent): Promise<void>;
  close(): Promise<void>;
}

/**
 * An order event arrived before an earlier one of the same order (a bus that does not keep one
 * aggregate's events in order, or a redelivery overtaken by a later event). Failing the delivery
 * lets the bus retry it after back-off, by which time the earlier event has been applied.
 */
export class EventOutOfOrderError extends Error {
  override readonly name = 'EventOutOfOrderError';
}

/**
 * The view after `event`, or `undefined` when the event is not newer than `view` (already applied:
 * at-least-once delivery). Throws {@link EventOutOfOrderError} when an earlier event is missing.
 */
export function evolveView(view: OrderView | undefined, event: DomainEvent): OrderView | undefined {
  const current = view?.version ?? 0;
  if (event.aggregateVersion <= current) return undefined;
  if (event.aggregateVersion > current + 1) {
    throw new EventOutOfOrderError(
      `${event.eventType} of order ${event.aggregateId} is version ${event.aggregateVersion}, the read model is at ${current}`,
    );
  }
  const base: OrderView = view ?? {
    orderId: event.aggregateId,
    customerId: '',
    status: 'draft',
    items: [],
    totalCents: 0,
    version: 0,
    updatedAt: '',
  };
  const data = event.data as Record<string, unknown>;
  let next: OrderView = {
    ...base,
    version: event.aggregateVersion,
    updatedAt: event.occurredAt.toISOString(),
  };
  switch (event.eventType) {
    case 'OrderCreated':
      next = { ...next, customerId: String(data.customerId), status: 'draft' };
      break;
    case 'ItemAdded': {
      const line = data as unknown as OrderLine;
      next = { ...next, items: [...base.items.filter((item) => item.sku !== line.sku), line] };
      break;
    }
    case 'ItemRemoved':
      next = { ...next, items: base.items.filter((item) => item.sku !== data.sku) };
      break;
    case 'OrderPlaced':
      next = { ...next, status: 'placed' };
      break;
    case 'OrderCancelled':
      next = { ...next, status: 'cancelled' };
      break;
    default:
      return next;
  }
  return { ...next, totalCents: orderTotalCents(next.items) };
}
