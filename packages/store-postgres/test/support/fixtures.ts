import { AggregateRoot, defineEvent, EventRegistry, type DomainEvent } from '@eventsource/core';

export const registry = new EventRegistry();

export const Deposited = registry.register(
  defineEvent<{ amount: number; at: Date; reference: bigint }, 'Deposited'>('Deposited', {
    aggregateType: 'Account',
  }),
);

export function deposits(aggregateId: string, count: number, firstVersion = 1): DomainEvent[] {
  return Array.from({ length: count }, (_, index) =>
    Deposited.create(
      {
        amount: index + 1,
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, index)),
        reference: 9_007_199_254_740_993n + BigInt(index),
      },
      { aggregateId, aggregateVersion: firstVersion + index },
    ),
  );
}

/** A bank account whose balance is the sum of its deposits. */
export class Account extends AggregateRoot<{ balance: number; deposits: number }> {
  readonly aggregateType = 'Account';

  protected getInitialState(): { balance: number; deposits: number } {
    return { balance: 0, deposits: 0 };
  }

  protected evolve(
    state: { balance: number; deposits: number },
    event: DomainEvent,
  ): { balance: number; deposits: number } {
    if (Deposited.is(event))
      return { balance: state.balance + event.data.amount, deposits: state.deposits + 1 };
    return state;
  }

  deposit(amount: number): void {
    this.raiseEvent(Deposited, { amount, at: new Date(), reference: 1n });
  }
}
