import { aggregateHandlers, DeclarativeAggregate } from '@eventsource/core';
import { OrderRuleError } from './order-rule-error.ts';
import {
  ItemAdded,
  ItemRemoved,
  OrderCancelled,
  OrderCreated,
  OrderPlaced,
  type OrderLine,
} from './order-events.ts';

export type OrderStatus = 'new' | 'draft' | 'placed' | 'cancelled';

export interface OrderState {
  readonly status: OrderStatus;
  readonly customerId: string;
  readonly lines: readonly OrderLine[];
}

const handlers = aggregateHandlers<OrderState>()
  .on(OrderCreated, (state, event) => ({ ...state, status: 'draft', customerId: event.data.customerId }))
  .on(ItemAdded, (state, event) => ({
    ...state,
    lines: [...state.lines.filter((line) => line.sku !== event.data.sku), event.data],
  }))
  .on(ItemRemoved, (state, event) => ({
    ...state,
    lines: state.lines.filter((line) => line.sku !== event.data.sku),
  }))
  .on(OrderPlaced, (state) => ({ ...state, status: 'placed' }))
  .on(OrderCancelled, (state) => ({ ...state, status: 'cancelled' }));

export function orderTotalCents(lines: readonly OrderLine[]): number {
  return lines.reduce((total, line) => total + line.quantity * line.unitPriceCents, 0);
}

/** An order: created, filled while a draft, then placed or cancelled. Adding an existing SKU replaces its line. */
export class Order extends DeclarativeAggregate<OrderState> {
  readonly aggregateType = 'Order';
  protected readonly handlers = handlers;

  protected getInitialState(): OrderState {
    return { status: 'new', customerId: '', lines: [] };
  }

  create(customerId: string): void {
    if (this.state.status !== 'new') throw new OrderRuleError(`Order ${this.aggregateId} already exists`);
    this.raiseEvent(OrderCreated, { customerId });
  }

  addItem(line: OrderLine): void {
    this.#assertDraft('add items to');
    this.raiseEvent(ItemAdded, line);
  }

  removeItem(sku: string): void {
    this.#assertDraft('remove items from');
    if (!this.state.lines.some((line) => line.sku === sku)) {
      throw new OrderRuleError(`Order ${this.aggregateId} has no item ${sku}`);
    }
    this.raiseEvent(ItemRemoved, { sku });
  }

  place(): void {
    this.#assertDraft('place');
    if (this.state.lines.length === 0) throw new OrderRuleError(`Order ${this.aggregateId} has no items`);
    this.raiseEvent(OrderPlaced, { totalCents: orderTotalCents(this.state.lines) });
  }

  cancel(reason: string): void {
    if (this.state.status === 'cancelled') return;
    if (this.state.status !== 'draft' && this.state.status !== 'placed') {
      throw new OrderRuleError(`Order ${this.aggregateId} cannot be cancelled while ${this.state.status}`);
    }
    this.raiseEvent(OrderCancelled, { reason });
  }

  #assertDraft(action: string): void {
    if (this.state.status !== 'draft') {
      throw new OrderRuleError(`Cannot ${action} order ${this.aggregateId} while it is ${this.state.status}`);
    }
  }
}
