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
export function readAllPages(
  options: ReadAllOptions,
  readPage: (request: ReadAllPageRequest) => Promise<readonly ReadAllPageEntry[]>,
): AsyncGenerator<StoredEvent, void, undefined> {
  return new PagedEvents(options, readPage);
}

const DONE: IteratorReturnResult<void> = Object.freeze({ done: true, value: undefined });

/**
 * The iterator behind {@link readAllPages}. It behaves as an async generator would (options checked
 * on the first `next`, requests served in order, finished after an error or `return`), but serves
 * the events of a page it holds without a generator step per event: a catch-up reads thousands of
 * events per page, and the generator's per-`yield` await was a large part of the library's cost.
 */
class PagedEvents implements AsyncGenerator<StoredEvent, void, undefined> {
  readonly #options: ReadAllOptions;
  readonly #readPage: (request: ReadAllPageRequest) => Promise<readonly ReadAllPageEntry[]>;
  #page: readonly ReadAllPageEntry[] = [];
  #index = 0;
  #started = false;
  #finished = false;
  /** No page follows the one held (it came back short, or `limit` is reached). */
  #lastPage = false;
  #reading: Promise<IteratorResult<StoredEvent, void>> | undefined;
  #pageSize = DEFAULT_READ_ALL_PAGE_SIZE;
  #remaining = Number.POSITIVE_INFINITY;
  #fromPosition = 0;
  #eventTypes: readonly string[] | undefined;
  #aggregateTypes: readonly string[] | undefined;

  constructor(
    options: ReadAllOptions,
    readPage: (request: ReadAllPageRequest) => Promise<readonly ReadAllPageEntry[]>,
  ) {
    this.#options = options;
    this.#readPage = readPage;
  }

  next(): Promise<IteratorResult<StoredEvent, void>> {
    if (this.#reading !== undefined) {
      const again = (): Promise<IteratorResult<StoredEvent, void>> => this.next();
      return this.#reading.then(again, again);
    }
    if (this.#index < this.#page.length) {
      try {
        return Promise.resolve(this.#take());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.#finished || this.#lastPage) {
      this.#finish();
      return Promise.resolve(DONE);
    }
    const reading = this.#read();
    this.#reading = reading;
    const settled = (): void => {
      if (this.#reading === reading) this.#reading = undefined;
    };
    reading.then(settled, settled);
    return reading;
  }

  return(): Promise<IteratorResult<StoredEvent, void>> {
    this.#finish();
    return Promise.resolve(DONE);
  }

  throw(error: unknown): Promise<IteratorResult<StoredEvent, void>> {
    this.#finish();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  #finish(): void {
    this.#finished = true;
    this.#page = [];
    this.#index = 0;
  }

  /** The next entry of the held page; an undecodable row throws its error and ends the iteration. */
  #take(): IteratorYieldResult<StoredEvent> {
    const entry = this.#page[this.#index]!;
    this.#index += 1;
    if ('error' in entry) {
      this.#finish();
      throw entry.error;
    }
    return { done: false, value: entry };
  }

  async #read(): Promise<IteratorResult<StoredEvent, void>> {
    try {
      if (!this.#started) this.#start();
      if (this.#remaining <= 0) {
        this.#finish();
        return DONE;
      }
      const limit = Math.min(this.#pageSize, this.#remaining);
      const page = await this.#readPage({
        fromPosition: this.#fromPosition,
        limit,
        eventTypes: this.#eventTypes,
        aggregateTypes: this.#aggregateTypes,
      });
      if (this.#finished) return DONE;
      this.#lastPage = page.length < limit;
      if (page.length === 0) {
        this.#finish();
        return DONE;
      }
      this.#remaining -= page.length;
      this.#lastPage ||= this.#remaining <= 0;
      this.#fromPosition = page.at(-1)!.globalPosition;
      this.#page = page;
      this.#index = 0;
      return this.#take();
    } catch (error) {
      this.#finish();
      throw error;
    }
  }

  /** Checks the options once, on the first read, as the generator this replaces did. */
  #start(): void {
    this.#started = true;
    const options = this.#options;
    const pageSize = options.pageSize ?? DEFAULT_READ_ALL_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new InvalidArgumentError(`pageSize must be a positive integer, got ${pageSize}`);
    }
    const remaining = options.limit ?? Number.POSITIVE_INFINITY;
    if (remaining !== Number.POSITIVE_INFINITY && (!Number.isInteger(remaining) || remaining < 0)) {
      throw new InvalidArgumentError(`limit must be a non-negative integer, got ${remaining}`);
    }
    const fromPosition = options.fromPosition ?? 0;
    if (!Number.isSafeInteger(fromPosition)) {
      throw new InvalidArgumentError(`fromPosition must be an integer, got ${fromPosition}`);
    }
    this.#pageSize = pageSize;
    this.#remaining = remaining;
    this.#fromPosition = fromPosition;
    this.#eventTypes = options.eventTypes === undefined ? undefined : [...options.eventTypes];
    this.#aggregateTypes = options.aggregateTypes === undefined ? undefined : [...options.aggregateTypes];
  }
}
