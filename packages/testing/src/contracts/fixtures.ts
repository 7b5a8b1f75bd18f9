import { randomUUID } from 'node:crypto';
import { defineEvent, EventRegistry, type DefineEventOptions, type DomainEvent } from '@eventsource/core';

/** The event types every contract suite writes. */
export const ContractItemAdded = defineEvent<
  { sku: string; quantity: number; addedAt: Date; serial: bigint },
  'ContractItemAdded'
>('ContractItemAdded', { aggregateType: 'ContractCart' });
export const ContractCheckedOut = defineEvent<{ total: number }, 'ContractCheckedOut'>('ContractCheckedOut', {
  aggregateType: 'ContractCart',
});
export const ContractNoteTaken = defineEvent<{ text: string }, 'ContractNoteTaken'>('ContractNoteTaken', {
  aggregateType: 'ContractNote',
});

interface Quantity {
  readonly sku: string;
  readonly quantity: number;
}

/** A hand-written Standard Schema, so the suite needs no validation library. */
const positiveQuantity: NonNullable<DefineEventOptions<Quantity>['schema']> = {
  '~standard': {
    version: 1,
    vendor: 'eventsource-contract',
    validate: (value) => {
      const candidate = value as Partial<Quantity> | null;
      return typeof candidate?.quantity === 'number' &&
        candidate.quantity > 0 &&
        typeof candidate.sku === 'string'
        ? { value: candidate as Quantity }
        : { issues: [{ message: 'quantity must be a positive number', path: ['quantity'] }] };
    },
  },
};

/** An event type whose payload is validated on append and on read. */
export const ContractQuantityChanged = defineEvent<Quantity, 'ContractQuantityChanged'>(
  'ContractQuantityChanged',
  {
    aggregateType: 'ContractCart',
    schema: positiveQuantity,
  },
);

export function contractRegistry(): EventRegistry {
  const registry = new EventRegistry();
  registry.register(ContractItemAdded);
  registry.register(ContractCheckedOut);
  registry.register(ContractNoteTaken);
  registry.register(ContractQuantityChanged);
  return registry;
}

/** A fresh id, unique across test runs sharing one database. */
export function uniqueId(prefix = 'agg'): string {
  return `${prefix}-${randomUUID()}`;
}

/** `count` ItemAdded events for one cart, numbered from `firstVersion`. */
export function itemsAdded(
  aggregateId: string,
  count: number,
  firstVersion = 1,
  tenantId?: string,
): DomainEvent[] {
  return Array.from({ length: count }, (_, index) =>
    ContractItemAdded.create(
      {
        sku: `sku-${firstVersion + index}`,
        quantity: index + 1,
        addedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, firstVersion + index)),
        serial: 9_007_199_254_740_993n + BigInt(index),
      },
      {
        aggregateId,
        aggregateVersion: firstVersion + index,
        ...(tenantId === undefined ? {} : { tenantId }),
      },
    ),
  );
}

export function noteTaken(aggregateId: string, text: string): DomainEvent {
  return ContractNoteTaken.create({ text }, { aggregateId });
}

/** A created subject, or the subject with how to dispose of it. */
export type ContractSubject<T> = T | { readonly subject: T; readonly dispose?: () => Promise<void> | void };

export async function resolveSubject<T extends object>(
  created: ContractSubject<T>,
): Promise<{ subject: T; dispose: () => Promise<void> }> {
  if (typeof created === 'object' && created !== null && 'subject' in created) {
    const wrapped = created as { subject: T; dispose?: () => Promise<void> | void };
    return { subject: wrapped.subject, dispose: async () => void (await wrapped.dispose?.()) };
  }
  return { subject: created as T, dispose: async () => undefined };
}
