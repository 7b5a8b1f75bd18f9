import { randomUUID } from 'node:crypto';
import { errorTypeOf, NotFoundError } from '../errors.ts';
import {
  ATTR_EVENT_ID,
  ATTR_EVENT_TYPE,
  ATTR_RETRY_COUNT,
  ATTR_SUBSCRIPTION_NAME,
} from '../observability/attributes.ts';
import { ComponentTracer, type TelemetryOptions } from '../observability/component-tracer.ts';
import { SpanNames } from '../observability/span-names.ts';
import {
  failedEventIdentity,
  type DLQEntry,
  type DLQFailure,
  type DLQListOptions,
  type DLQRepository,
} from '../ports/dlq-repository.ts';

export class InMemoryDLQRepository implements DLQRepository {
  readonly #entries = new Map<string, DLQEntry>();
  readonly #tracer: ComponentTracer;

  constructor(options: TelemetryOptions = {}) {
    this.#tracer = ComponentTracer.from('@eventsource/core', options, true);
  }

  add(failure: DLQFailure): Promise<DLQEntry> {
    const { eventId, eventType } = failedEventIdentity(failure);
    const attributes = {
      [ATTR_SUBSCRIPTION_NAME]: failure.consumerName,
      [ATTR_EVENT_ID]: eventId,
      [ATTR_EVENT_TYPE]: eventType,
      [ATTR_RETRY_COUNT]: failure.retryCount,
    };
    return this.#tracer.run(SpanNames.dlq.add, { attributes }, async () => {
      const now = new Date();
      const existing = [...this.#entries.values()].find(
        (entry) => entry.consumerName === failure.consumerName && entry.eventId === eventId,
      );
      const entry: DLQEntry = {
        id: existing?.id ?? randomUUID(),
        consumerName: failure.consumerName,
        eventId,
        eventType,
        event: failure.event ?? null,
        raw: failure.raw ?? null,
        globalPosition: failure.globalPosition ?? null,
        ...describeError(failure.error),
        retryCount: failure.retryCount,
        status: 'failed',
        firstFailedAt: existing?.firstFailedAt ?? now,
        lastFailedAt: now,
        resolvedAt: null,
        resolvedBy: null,
      };
      this.#entries.set(entry.id, entry);
      return entry;
    });
  }

  get(id: string): Promise<DLQEntry | undefined> {
    return this.#tracer.run(SpanNames.dlq.get, { attributes: { 'eventsource.dlq.id': id } }, async () =>
      this.#entries.get(id),
    );
  }

  async list(options: DLQListOptions = {}): Promise<DLQEntry[]> {
    return [...this.#entries.values()]
      .filter(
        (entry) =>
          (options.consumerName === undefined || entry.consumerName === options.consumerName) &&
          (options.status === undefined || entry.status === options.status),
      )
      .sort((a, b) => b.lastFailedAt.getTime() - a.lastFailedAt.getTime())
      .slice(0, options.limit ?? 100);
  }

  resolve(id: string, resolvedBy: string): Promise<void> {
    return this.#tracer.run(SpanNames.dlq.resolve, { attributes: { 'eventsource.dlq.id': id } }, async () => {
      const entry = this.#require(id);
      this.#entries.set(id, { ...entry, status: 'resolved', resolvedAt: new Date(), resolvedBy });
    });
  }

  retry(id: string): Promise<DLQEntry> {
    return this.#tracer.run(SpanNames.dlq.retry, { attributes: { 'eventsource.dlq.id': id } }, async () => {
      const entry: DLQEntry = { ...this.#require(id), status: 'retrying' };
      this.#entries.set(id, entry);
      return entry;
    });
  }

  async count(options: { readonly consumerName?: string } = {}): Promise<number> {
    return [...this.#entries.values()].filter(
      (entry) =>
        entry.status !== 'resolved' &&
        (options.consumerName === undefined || entry.consumerName === options.consumerName),
    ).length;
  }

  async close(): Promise<void> {}

  #require(id: string): DLQEntry {
    const entry = this.#entries.get(id);
    if (entry === undefined) throw new NotFoundError(`DLQ entry ${id} not found`);
    return entry;
  }
}

/** The stored description of an error: its class, message and stack. */
export function describeError(error: unknown): {
  errorType: string;
  errorMessage: string;
  errorStack: string | null;
} {
  return {
    errorType: errorTypeOf(error),
    errorMessage: error instanceof Error ? error.message : String(error),
    errorStack: error instanceof Error ? (error.stack ?? null) : null,
  };
}
