import { EventDecodingError, InvalidArgumentError } from '../errors.ts';
import type { EventRegistry } from '../events/event-registry.ts';
import { decodeStoredEvent, type StoredEventRecord } from '../events/serialization.ts';
import { streamIdOf, type ReadAllOptions, type StoredEvent } from './event-store.ts';

/** Events fetched per page when `ReadAllOptions.pageSize` is not given. */
export const DEFAULT_READ_ALL_PAGE_SIZE = 500;

/** One page a store reads for `readAll`. */
export interface ReadAllPageRequest {
  /** Exclusive: the page holds events with a global position greater than this. */
  readonly fromPosition: number;
  /** The page holds at most this many events (never more than the page size or what is left of `limit`). */
  readonly limit: number;
  /** Only events of these types (`undefined`: every type). */
  readonly eventTypes: readonly string[] | undefined;
  /** Only events of these aggregate types (`undefined`: every aggregate type). */
  readonly aggregateTypes: readonly string[] | undefined;
}

/** A row of a page that cannot be decoded: `readAll` throws its error when the reader reaches it. */
export interface UndecodableStoredEvent {
  readonly globalPosition: number;
  readonly error: EventDecodingError;
}

/** One entry of a page: an event, or a row that cannot be decoded (so the rows before it still arrive). */
export type ReadAllPageEntry = StoredEvent | UndecodableStoredEvent;

/**
 * One row of a page as a page entry: the decoded event with its positions, or, when it cannot be
 * decoded, the `EventDecodingError` naming it, for `readAll` to throw once the reader gets there.
 */
export function decodePageEntry(
  record: StoredEventRecord,
  registry: EventRegistry,
  globalPosition: number,
  storedAt: Date,
): ReadAllPageEntry {
  try {
    return {
      event: decodeStoredEvent(record, registry, globalPosition),
      streamId: streamIdOf(record.aggregateType, record.aggregateId),
      streamPosition: record.aggregateVersion,
      globalPosition,
      storedAt,
    };
  } catch (error) {
    if (error instanceof EventDecodingError) return { globalPosition, error };
    throw error;
  }
}

/**
 * The paging loop every store's `readAll` shares. It checks the options before any read
 * (`pageSize` a positive integer, `limit` a non-negative integer, `fromPosition` a safe integer;
 * otherwise `InvalidArgumentError`), then asks `readPage` for pages in global order, each starting
 * after the last position of the one before, until `limit` events were returned or a page comes
 * back shorter than asked (the end of the log as the store sees it). A `limit` of 0 reads nothing.
 * `readPage` must return events in increasing global position, after `fromPosition` only, matching
 * the filters; stores wrap it in `EventStoreTelemetry.readAllPage` for one `read_all` span per page.
 * The filters are copied once, so changing the options while iterating changes nothing.
 * A row `readPage` could not decode is returned as an {@link UndecodableStoredEvent}: the events
 * before it are yielded, then its `EventDecodingError` is thrown, naming the event and its position.
 */
export async function* readAllPages(
  options: ReadAllOptions,
  readPage: (request: ReadAllPageRequest) => Promise<readonly ReadAllPageEntry[]>,
): AsyncGenerator<StoredEvent, void, undefined> {
  const pageSize = options.pageSize ?? DEFAULT_READ_ALL_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new InvalidArgumentError(`pageSize must be a positive integer, got ${pageSize}`);
  }
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  if (remaining !== Number.POSITIVE_INFINITY && (!Number.isInteger(remaining) || remaining < 0)) {
    throw new InvalidArgumentError(`limit must be a non-negative integer, got ${remaining}`);
  }
  let fromPosition = options.fromPosition ?? 0;
  if (!Number.isSafeInteger(fromPosition)) {
    throw new InvalidArgumentError(`fromPosition must be an integer, got ${fromPosition}`);
  }
  const eventTypes = options.eventTypes === undefined ? undefined : [...options.eventTypes];
  const aggregateTypes = options.aggregateTypes === undefined ? undefined : [...options.aggregateTypes];
  while (remaining > 0) {
    const limit = Math.min(pageSize, remaining);
    const page = await readPage({ fromPosition, limit, eventTypes, aggregateTypes });
    for (const entry of page) {
      if ('error' in entry) throw entry.error;
      yield entry;
    }
    if (page.length < limit) return;
    remaining -= page.length;
    fromPosition = page.at(-1)!.globalPosition;
  }
}
