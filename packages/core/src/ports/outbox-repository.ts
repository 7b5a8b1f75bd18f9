import type { DomainEvent } from '../events/domain-event.ts';

export type OutboxStatus = 'pending' | 'published' | 'failed';

export interface OutboxEntry {
  readonly id: string;
  readonly event: DomainEvent;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: Date;
  /** Not handed out again before this time (a claim's lease or a retry's back-off). */
  readonly availableAt: Date;
  readonly publishedAt: Date | null;
}

export interface ClaimOptions {
  readonly limit?: number;
  /** How long claimed rows stay hidden from other relays (default 30 s). */
  readonly leaseMs?: number;
}

/**
 * Events waiting to be published. Stores with an outbox write these rows in the same transaction
 * as the events, so an event is stored if and only if it will be published.
 */
export interface OutboxRepository {
  /** Adds pending rows for `events`, in order (stores with an outbox do this inside the append's transaction). */
  add(events: readonly DomainEvent[]): Promise<void>;
  /**
   * Claims up to `limit` pending rows whose time has come, oldest first, and leases them so
   * concurrent relays never get the same row at the same time. A row is not offered while an older
   * row of the same aggregate is pending but leased or waiting for a retry, so an aggregate's events
   * are published in order; a row given up on (`failed`) no longer holds its aggregate back. A row
   * that cannot be read back (unknown event type, failed upcast) is marked `failed` with the error
   * instead of being returned.
   */
  getPending(options?: ClaimOptions): Promise<OutboxEntry[]>;
  /** Marks claimed rows published; they are never offered again. */
  markPublished(ids: readonly string[]): Promise<void>;
  /** Records a failed attempt; the row is offered again at `retryAt`, or given up (`failed`) when `retryAt` is null. */
  markFailed(id: string, error: string, retryAt: Date | null): Promise<void>;
  /** Rows not yet published and not given up on (for the `eventsource.outbox.pending` gauge). */
  countPending(): Promise<number>;
  /** Releases what the repository created (never a connection it was handed). Calling it twice is harmless. */
  close(): Promise<void>;
}
