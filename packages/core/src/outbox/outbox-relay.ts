import { errorTypeOf, InvalidArgumentError } from '../errors.ts';
import { getLogger, LoggerNames } from '../logging/logger.ts';
import { ATTR_BATCH_SIZE, ATTR_EVENT_COUNT, ATTR_RETRY_COUNT } from '../observability/attributes.ts';
import { ComponentTracer, type TelemetryOptions } from '../observability/component-tracer.ts';
import { lazyInstruments, type MetricsOptions } from '../observability/metrics.ts';
import { getOpenTelemetryApi } from '../observability/otel-api.ts';
import type { TracePropagationMode } from '../observability/propagation.ts';
import { SpanNames } from '../observability/span-names.ts';
import { contextFromEvent, linksToEvents } from '../observability/trace-context.ts';
import type { EventPublisher } from '../ports/event-store.ts';
import type { OutboxEntry, OutboxRepository } from '../ports/outbox-repository.ts';
import { exponentialBackoff, sleep, type RetryPolicy } from '../subscriptions/retry-policy.ts';

export interface OutboxRelayOptions extends TelemetryOptions, MetricsOptions {
  readonly outbox: OutboxRepository;
  /** Where events go: any event bus. */
  readonly publisher: EventPublisher;
  /** Rows claimed per round (default 100). */
  readonly batchSize?: number;
  /** Longest idle wait between polls (default 1000 ms; polling backs off from 10 ms). */
  readonly maxPollIntervalMs?: number;
  /** Back-off between attempts of one row; after `maxRetries` the row is marked `failed` (default 10 retries from 500 ms). */
  readonly retryPolicy?: RetryPolicy;
  /** How long a claimed row is hidden from other relays (default 30 s). */
  readonly leaseMs?: number;
  /**
   * `parent` (default): each publish continues the trace stored with its event, so one request is
   * one trace across services. `link`: one publish per batch in the relay's own trace, linked.
   */
  readonly propagation?: TracePropagationMode;
}

/**
 * Publishes outbox rows to a bus: claims pending rows, publishes them, marks them published;
 * a failed publish is retried with back-off and nothing is marked published before it is.
 * Delivery is at least once (a crash between publish and mark re-publishes).
 */
export class OutboxRelay {
  readonly #options: OutboxRelayOptions;
  readonly #tracer: ComponentTracer;
  readonly #retryPolicy: RetryPolicy;
  readonly #logger = getLogger(LoggerNames.outbox);
  readonly #instruments;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: OutboxRelayOptions) {
    const batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new InvalidArgumentError('batchSize must be a positive integer');
    this.#options = options;
    this.#retryPolicy =
      options.retryPolicy ?? exponentialBackoff({ maxRetries: 10, initialDelayMs: 500, maxDelayMs: 60_000 });
    this.#tracer = ComponentTracer.from('@eventsource/core', options, true);
    this.#instruments = lazyInstruments(
      '@eventsource/core',
      (meter) => ({
        pending: meter.createGauge?.('eventsource.outbox.pending', {
          unit: '{row}',
          description: 'Outbox rows waiting to be published',
        }),
      }),
      options,
    );
  }

  /** Publishes one batch. Returns how many rows were published. */
  async runOnce(): Promise<number> {
    const entries = await this.#options.outbox.getPending({
      limit: this.#options.batchSize ?? 100,
      ...(this.#options.leaseMs === undefined ? {} : { leaseMs: this.#options.leaseMs }),
    });
    if (entries.length === 0) {
      await this.#recordPending();
      return 0;
    }
    const links = this.#tracer.enabled ? linksToEvents(entries.map((entry) => entry.event)) : [];
    const published = await this.#tracer.run(
      SpanNames.outbox.relay,
      { attributes: { [ATTR_BATCH_SIZE]: entries.length }, links },
      async (span) => {
        const done =
          this.#options.propagation === 'link'
            ? await this.#publishBatch(entries)
            : await this.#publishEach(entries);
        if (done.length > 0) await this.#options.outbox.markPublished(done);
        span?.setAttribute(ATTR_EVENT_COUNT, done.length);
        return done.length;
      },
    );
    await this.#recordPending();
    return published;
  }

  /** Runs until `stop`: publishes while rows are pending, polls with back-off when idle. */
  start(): void {
    if (this.#loop !== undefined) return;
    this.#abort = new AbortController();
    const signal = this.#abort.signal;
    this.#loop = (async () => {
      let idleMs = 10;
      while (!signal.aborted) {
        let published = 0;
        try {
          published = await this.runOnce();
        } catch (error) {
          this.#logger.error({ error: errorTypeOf(error) }, 'outbox relay round failed');
        }
        if (published > 0) {
          idleMs = 10;
          continue;
        }
        await sleep(idleMs, signal);
        idleMs = Math.min(idleMs * 2, this.#options.maxPollIntervalMs ?? 1000);
      }
    })();
  }

  /** Stops after the round in progress. Harmless when not running. */
  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#loop;
    this.#loop = undefined;
  }

  async #publishEach(entries: readonly OutboxEntry[]): Promise<string[]> {
    const api = getOpenTelemetryApi();
    const done: string[] = [];
    // After a failure, the aggregate's later rows wait (their lease runs out, and the repository
    // does not offer them while the failed row waits for its retry), so its events stay in order.
    const blocked = new Set<string>();
    for (const entry of entries) {
      const aggregateKey = `${entry.event.aggregateType}\u0000${entry.event.aggregateId}`;
      if (blocked.has(aggregateKey)) continue;
      // The stored context is continued whatever this relay's own tracing: the bus traces the publish.
      const parent = contextFromEvent(entry.event);
      const publish = () => this.#options.publisher.publish([entry.event]);
      try {
        await (api !== undefined && parent !== undefined ? api.context.with(parent, publish) : publish());
        done.push(entry.id);
      } catch (error) {
        blocked.add(aggregateKey);
        await this.#fail(entry, error);
      }
    }
    return done;
  }

  async #publishBatch(entries: readonly OutboxEntry[]): Promise<string[]> {
    try {
      await this.#options.publisher.publish(entries.map((entry) => entry.event));
      return entries.map((entry) => entry.id);
    } catch (error) {
      for (const entry of entries) await this.#fail(entry, error);
      return [];
    }
  }

  async #fail(entry: OutboxEntry, error: unknown): Promise<void> {
    const retry = entry.attempts + 1;
    const giveUp = retry > this.#retryPolicy.maxRetries;
    const retryAt = giveUp ? null : new Date(Date.now() + this.#retryPolicy.delayMs(retry));
    const message = error instanceof Error ? error.message : String(error);
    await this.#options.outbox.markFailed(entry.id, message, retryAt);
    this.#logger.warn(
      {
        event_id: entry.event.eventId,
        [ATTR_RETRY_COUNT]: retry,
        error: errorTypeOf(error),
        gave_up: giveUp,
      },
      giveUp ? 'outbox row failed for good' : 'outbox publish failed; will retry',
    );
  }

  async #recordPending(): Promise<void> {
    const gauge = this.#instruments()?.pending;
    if (gauge !== undefined) gauge.record(await this.#options.outbox.countPending());
  }
}
