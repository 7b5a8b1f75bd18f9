import type { StoredEvent } from '@eventsource/core';
import type { DidSomethingData } from '../domain.ts';
import type { Operation } from '../measure.ts';

/**
 * An operation that takes the next `pageSize` events from a `readAll` iterator (one page). Each
 * run gets a fresh iterator from `prepare`, so every run reads the same events.
 */
export function catchUpPages(events: AsyncIterable<StoredEvent>, pageSize: number): Operation {
  const iterator = events[Symbol.asyncIterator]();
  return async () => {
    let checksum = 0;
    for (let index = 0; index < pageSize; index += 1) {
      const next = await iterator.next();
      if (next.done === true) throw new Error('the catch-up ended early');
      checksum += (next.value.event.data as DidSomethingData).id;
    }
    return checksum;
  };
}
