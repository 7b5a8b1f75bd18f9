import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '../events/domain-event.ts';
import { NotFoundError } from '../errors.ts';
import { ATTR_BATCH_SIZE, ATTR_EVENT_COUNT } from '../observability/attributes.ts';
import { ComponentTracer, type TelemetryOptions } from '../observability/component-tracer.ts';
import { SpanNames } from '../observability/span-names.ts';
import type { ClaimOptions, OutboxEntry, OutboxRepository } from '../ports/outbox-repository.ts';

export class InMemoryOutboxRepository implements OutboxRepository {
  readonly #entries = new Map<string, OutboxEntry>();
  readonly #tracer: ComponentTracer;

  constructor(options: TelemetryOptions = {}) {
    this.#tracer = ComponentTracer.from('@eventsource/core', options, true);
  }

  add(events: readonly DomainEvent[]): Promise<void> {
    return this.#tracer.run(
      SpanNames.outbox.add,
      { attributes: { [ATTR_EVENT_COUNT]: events.length } },
      async () => {
        const now = new Date();
        for (const event of events) {
          const id = randomUUID();
          this.#entries.set(id, {
            id,
            event,
            status: 'pending',
            attempts: 0,
            lastError: null,
            createdAt: now,
            availableAt: now,
            publishedAt: null,
          });
        }
      },
    );
  }

  getPending(options: ClaimOptions = {}): Promise<OutboxEntry[]> {
    const limit = options.limit ?? 100;
    return this.#tracer.run(
      SpanNames.outbox.getPending,
      { attributes: { [ATTR_BATCH_SIZE]: limit } },
      async (span) => {
        const now = Date.now();
        const leaseUntil = new Date(now + (options.leaseMs ?? 30_000));
        const claimed: OutboxEntry[] = [];
        // An aggregate whose older row is leased or waiting for a retry is held back, so a relay never
        // publishes its events out of order.
        const held = new Set<string>();
        for (const entry of this.#entries.values()) {
          if (claimed.length >= limit) break;
          if (entry.status !== 'pending') continue;
          const aggregateKey = `${entry.event.aggregateType}\u0000${entry.event.aggregateId}`;
          if (held.has(aggregateKey)) continue;
          if (entry.availableAt.getTime() > now) {
            held.add(aggregateKey);
            continue;
          }
          const leased = { ...entry, availableAt: leaseUntil };
          this.#entries.set(entry.id, leased);
          claimed.push(leased);
        }
        span?.setAttribute(ATTR_EVENT_COUNT, claimed.length);
        return claimed;
      },
    );
  }

  markPublished(ids: readonly string[]): Promise<void> {
    return this.#tracer.run(
      SpanNames.outbox.markPublished,
      { attributes: { [ATTR_EVENT_COUNT]: ids.length } },
      async () => {
        const now = new Date();
        for (const id of ids) {
          const entry = this.#entries.get(id);
          if (entry === undefined) throw new NotFoundError(`Outbox entry ${id} not found`);
          this.#entries.set(id, { ...entry, status: 'published', publishedAt: now });
        }
      },
    );
  }

  async markFailed(id: string, error: string, retryAt: Date | null): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry === undefined) throw new NotFoundError(`Outbox entry ${id} not found`);
    this.#entries.set(id, {
      ...entry,
      attempts: entry.attempts + 1,
      lastError: error,
      status: retryAt === null ? 'failed' : 'pending',
      availableAt: retryAt ?? entry.availableAt,
    });
  }

  async countPending(): Promise<number> {
    return [...this.#entries.values()].filter((entry) => entry.status === 'pending').length;
  }

  /** Every entry, oldest first (for tests and inspection). */
  entries(): OutboxEntry[] {
    return [...this.#entries.values()];
  }

  async close(): Promise<void> {}
}
