import type { DomainEvent } from '../events/domain-event.ts';
import type { SerializedEvent } from '../events/serialization.ts';

export type DLQStatus = 'failed' | 'retrying' | 'resolved';

/**
 * An event a consumer gave up on, with why. `eventId` and `eventType` are always known. `event` is
 * the decoded event, or `null` when it cannot be decoded (it was dead-lettered because it cannot,
 * or this repository's registry does not know its type now); `raw` then holds it as stored, flat,
 * with `data` and `metadata` as JSON text, so an operator can still see and repair it.
 */
export interface DLQEntry {
  readonly id: string;
  readonly consumerName: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly event: DomainEvent | null;
  /** The stored form when `event` is `null`; `null` otherwise. */
  readonly raw: SerializedEvent | null;
  readonly globalPosition: number | null;
  readonly errorType: string;
  readonly errorMessage: string;
  readonly errorStack: string | null;
  readonly retryCount: number;
  readonly status: DLQStatus;
  readonly firstFailedAt: Date;
  readonly lastFailedAt: Date;
  readonly resolvedAt: Date | null;
  readonly resolvedBy: string | null;
}

interface DLQFailureBase {
  readonly consumerName: string;
  readonly globalPosition?: number;
  readonly error: unknown;
  readonly retryCount: number;
}

/**
 * What to dead-letter: a decoded `event`, or, for an event that cannot be decoded (an
 * `EventDecodingError`'s `raw`), its stored form as `raw`.
 */
export type DLQFailure =
  | (DLQFailureBase & { readonly event: DomainEvent; readonly raw?: undefined })
  | (DLQFailureBase & { readonly raw: SerializedEvent; readonly event?: undefined });

/** The id and type of a failure's event, whichever form it came in. */
export function failedEventIdentity(failure: DLQFailure): {
  readonly eventId: string;
  readonly eventType: string;
} {
  const source = failure.event ?? failure.raw;
  return { eventId: source.eventId, eventType: source.eventType };
}

export interface DLQListOptions {
  readonly consumerName?: string;
  readonly status?: DLQStatus;
  readonly limit?: number;
}

/**
 * Dead letters. Adding the same (consumer, event id) again updates the entry (retry count, last
 * error, status back to `failed`) instead of adding a second one. An entry whose event cannot be
 * decoded on read is returned with `event: null` and its `raw` form, never left out or thrown.
 */
export interface DLQRepository {
  /** Records a failure and returns the stored entry (an existing entry for the same consumer and event is updated). */
  add(failure: DLQFailure): Promise<DLQEntry>;
  /** The entry with `id`, or `undefined`. */
  get(id: string): Promise<DLQEntry | undefined>;
  /** Newest first. */
  list(options?: DLQListOptions): Promise<DLQEntry[]>;
  /** Marks the entry resolved by `resolvedBy`. Throws `NotFoundError` for an unknown id. */
  resolve(id: string, resolvedBy: string): Promise<void>;
  /** Marks the entry `retrying` and returns it, for a caller that re-runs the event. Throws `NotFoundError` for an unknown id. */
  retry(id: string): Promise<DLQEntry>;
  /** Entries not yet resolved, of every consumer or of one. */
  count(options?: { readonly consumerName?: string }): Promise<number>;
  /** Releases what the repository created (never a connection it was handed). Calling it twice is harmless. */
  close(): Promise<void>;
}
