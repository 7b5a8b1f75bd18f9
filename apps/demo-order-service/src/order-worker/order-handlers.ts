import type { DomainEvent, EventHandler, Logger } from '@eventsource/core';
import { OrderCancelled, OrderPlaced, orderEventTypes } from '../domain/order-events.ts';
import type { OrderReadModel } from '../read-model/order-view.ts';

/** Maintains the read model GET /orders/:id answers from. Idempotent (see `OrderReadModel.apply`). */
export class OrderProjection {
  readonly #readModel: OrderReadModel;

  constructor(readModel: OrderReadModel) {
    this.#readModel = readModel;
  }

  handle(event: DomainEvent): Promise<void> {
    return this.#readModel.apply(event);
  }
}

/**
 * Tells the customer their order was placed or cancelled. Here it writes a log record (which
 * carries the trace id, so it can be found from the trace); a real one would call a mail service.
 */
export class NotificationService {
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  handle(event: DomainEvent): void {
    const what = event.eventType === OrderPlaced.eventType ? 'order placed' : 'order cancelled';
    this.#logger.info({ order_id: event.aggregateId, event_id: event.eventId }, `notification sent: ${what}`);
  }
}

/** Anything handlers subscribe to: an event bus, or core's `EventDispatcher`. */
export interface HandlerTable {
  subscribe(eventType: string, handler: EventHandler): unknown;
}

/** The worker's subscriptions, the same whichever channel delivers the events. */
export function subscribeOrderHandlers(
  table: HandlerTable,
  handlers: { readonly projection: OrderProjection; readonly notifications: NotificationService },
): void {
  for (const eventType of orderEventTypes) table.subscribe(eventType, handlers.projection);
  table.subscribe(OrderPlaced.eventType, handlers.notifications);
  table.subscribe(OrderCancelled.eventType, handlers.notifications);
}
