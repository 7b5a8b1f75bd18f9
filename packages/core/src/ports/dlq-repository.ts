import type { DomainEvent } from '../events/domain-event.ts';

export type DLQStatus = 'failed' | 'retrying' | 'resolved';

/** An event a consumer gave up on, with why. */
export interface DLQEntry {
  readonly id: string;
  readonly consumerName: string;
  readonly event: DomainEvent;
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

export interface DLQFailure {
  readonly consumerName: string;
  readonly event: DomainEvent;
  readonly globalPosition?: number;
  readonly error: unknown;
  readonly retryCount: number;
}

export interface DLQListOptions {
  readonly consumerName?: string;
  readonly status?: DLQStatus;
  readonly limit?: number;
}

/**
 * Dead letters. Adding the same (consumer, event) again updates the entry (retry count, last
 * error, status back to `failed`) instead of adding a second one.
 */
export interface DLQRepository {
  add(failure: DLQFailure): Promise<DLQEntry>;
  get(id: string): Promise<DLQEntry | undefined>;
  /** Newest first. */
  list(options?: DLQListOptions): Promise<DLQEntry[]>;
  /** Marks the entry resolved by `resolvedBy`. Throws `NotFoundError` for an unknown id. */
  resolve(id: string, resolvedBy: string): Promise<void>;
  /** Marks the entry `retrying` and returns it, for a caller that re-runs the event. Throws `NotFoundError` for an unknown id. */
  retry(id: string): Promise<DLQEntry>;
  /** Entries not yet resolved, of every consumer or of one. */
  count(options?: { readonly consumerName?: string }): Promise<number>;
  close(): Promise<void>;
}
