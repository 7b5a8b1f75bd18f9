import type { Context } from '../observability/otel-types.ts';
import type { DomainEvent } from '../events/domain-event.ts';
import { ClosedError, errorTypeOf, EventDecodingError, InvalidArgumentError } from '../errors.ts';
import { getLogger, LoggerNames } from '../logging/logger.ts';
import {
  ATTR_BATCH_SIZE,
  ATTR_FROM_POSITION,
  ATTR_SUBSCRIPTION_NAME,
  ATTR_TO_POSITION,
  SemanticAttributes,
} from '../observability/attributes.ts';
import { ComponentTracer, type TelemetryOptions } from '../observability/component-tracer.ts';
import { lazyInstruments, type MetricsOptions } from '../observability/metrics.ts';
import { getOpenTelemetryApi } from '../observability/otel-api.ts';
import type { TracePropagationMode } from '../observability/propagation.ts';
import { SpanKinds, SpanNames } from '../observability/span-names.ts';
import { contextFromEvent, linksToEvents } from '../observability/trace-context.ts';
import type { CheckpointRepository } from '../ports/checkpoint-repository.ts';
import type { DLQRepository } from '../ports/dlq-repository.ts';
import { invokeHandler, type EventHandler } from '../ports/event-bus.ts';
import type { EventStore, StoredEvent } from '../ports/event-store.ts';
import type { ReadAllPageEntry } from '../ports/read-all-pages.ts';
import type { Projection } from '../projections/projection.ts';
import { exponentialBackoff, sleep, type RetryPolicy } from './retry-policy.ts';
import { SubscriptionDeadLetters } from './subscription-dead-letters.ts';

export type StartFrom = 'beginning' | 'end' | 'checkpoint' | number;
export type SubscriptionState = 'stopped' | 'catching_up' | 'live' | 'failed';

export interface SubscriptionRunnerOptions extends TelemetryOptions, MetricsOptions {
  /** Names the checkpoint; unique per subscriber. */
  readonly name: string;
  readonly eventStore: EventStore;
  readonly checkpointRepository: CheckpointRepository;
  /** A projection, or any event handler. */
  readonly subscriber: Projection | EventHandler;
  /**
   * Where failed events go after the last retry, and events that cannot be decoded (in their raw
   * form, without retries: decoding again gives the same answer). Without one, the runner stops at
   * such an event.
   */
  readonly dlqRepository?: DLQRepository;
  /** Default `checkpoint` (start after the stored checkpoint, or from the beginning). */
  readonly startFrom?: StartFrom;
  /** Events per read and per checkpoint (default 100). */
  readonly batchSize?: number;
  /** Default: 3 retries, exponential back-off from 100 ms. */
  readonly retryPolicy?: RetryPolicy;
  /** Longest wait between polls when idle (default 1000 ms); polling starts at 10 ms and backs off. */
  readonly maxPollIntervalMs?: number;
  /** Only these event types (default: the projection's `eventTypes`, else all). */
  readonly eventTypes?: readonly string[];
  /** How handler spans relate to the trace that appended the event (default `link`). */
  readonly propagation?: TracePropagationMode;
}

/**
 * Feeds a subscriber every event of the store in global order: catches up from its checkpoint,
 * then follows new events (woken by the store's append notifications where it has them, polling
 * with idle back-off always). Checkpoints after each successful batch, so delivery is at least
 * once. A failing event is retried with back-off; after the last retry it goes to the DLQ and
 * the runner moves on, or, without a DLQ, the runner stops there (state `failed`) and never
 * checkpoints past it. An event the store cannot decode (`EventDecodingError`) goes to the DLQ in
 * its raw form at once; the events around it are delivered as usual.
 *
 * With a DLQ, the `eventsource.dlq.size` gauge is observed (asked of `DLQRepository.count` for
 * this subscription on each collection) while the runner runs, so it stays true when an operator
 * resolves entries.
 */
export class SubscriptionRunner {
  readonly name: string;
  readonly #options: SubscriptionRunnerOptions;
  readonly #tracer: ComponentTracer;
  readonly #logger = getLogger(LoggerNames.subscriptions);
  readonly #deadLetters: SubscriptionDeadLetters | undefined;
  readonly #retryPolicy: RetryPolicy;
  readonly #instruments;
  #state: SubscriptionState = 'stopped';
  #position = 0;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #failure: unknown;
  #starting: Promise<void> | undefined;
  #stopRequested = false;
  #skipCheckpointedAt = 0;
  readonly #positionWaiters = new Set<{
    position: number;
    resolve: () => void;
    reject: (error: unknown) => void;
  }>();

  constructor(options: SubscriptionRunnerOptions) {
    if (!options.name) throw new InvalidArgumentError('SubscriptionRunner needs a name');
    const batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new InvalidArgumentError('batchSize must be a positive integer');
    this.name = options.name;
    this.#options = options;
    this.#retryPolicy = options.retryPolicy ?? exponentialBackoff();
    this.#tracer = ComponentTracer.from('@eventsource/core', options, true);
    this.#deadLetters =
      options.dlqRepository === undefined
        ? undefined
        : new SubscriptionDeadLetters(this.name, options.dlqRepository, this.#tracer, this.#logger);
    this.#instruments = lazyInstruments(
      '@eventsource/core',
      (meter) => ({
        lag: meter.createGauge?.('eventsource.subscription.lag', {
          unit: '{event}',
          description: 'Head position minus checkpoint',
        }),
        freshness: meter.createHistogram('eventsource.subscription.freshness', {
          unit: 's',
          description: 'Time from an event being stored to a subscription processing it',
        }),
        dlqSize: meter.createObservableGauge?.('eventsource.dlq.size', {
          unit: '{event}',
          description: 'Unresolved DLQ entries',
        }),
      }),
      options,
    );
  }

  get state(): SubscriptionState {
    return this.#state;
  }

  /** Global position of the last event processed (or skipped to the DLQ). */
  get position(): number {
    return this.#position;
  }

  /** The error that stopped the runner, when `state` is `failed`. */
  get failure(): unknown {
    return this.#failure;
  }

  /**
   * Starts processing and resolves once the backlog present at start has been processed. Calling
   * it while running returns the same start; calling it after a failure starts again from the
   * last checkpointed (or processed) position.
   */
  start(): Promise<void> {
    if (this.#starting !== undefined && this.#state !== 'failed') return this.#starting;
    const previous = this.#loop;
    this.#state = 'catching_up';
    this.#stopRequested = false;
    this.#starting = (async () => {
      await previous;
      this.#loop = undefined;
      this.#failure = undefined;
      await this.#begin();
    })();
    return this.#starting;
  }

  /** Finishes the event in hand, checkpoints, and stops. Harmless when not running. */
  async stop(): Promise<void> {
    this.#stopRequested = true;
    this.#abort?.abort();
    this.#wake?.();
    await this.#starting?.catch(() => undefined);
    this.#abort?.abort();
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
    this.#starting = undefined;
    if (this.#state !== 'failed') this.#state = 'stopped';
  }

  /**
   * Resolves once the runner has processed everything up to `position` (or there is nothing
   * matching up to it). Rejects if the runner fails or stops first, or is not running.
   */
  waitForPosition(position: number): Promise<void> {
    if (this.#position >= position) return Promise.resolve();
    if (this.#state === 'failed') return Promise.reject(this.#failure);
    if (this.#starting === undefined) return Promise.reject(new ClosedError(`Subscription ${this.name}`));
    return new Promise((resolve, reject) => this.#positionWaiters.add({ position, resolve, reject }));
  }

  async #begin(): Promise<void> {
    const position = await this.#resolveStart();
    const head = await this.#options.eventStore.getGlobalPosition();
    if (this.#stopRequested) return;
    this.#position = position;
    this.#abort = new AbortController();
    this.#state = 'catching_up';
    const unsubscribe = this.#options.eventStore.onAppend(() => this.#wake?.());
    const stopObserving = this.#deadLetters?.observeSize(this.#instruments()?.dlqSize) ?? (() => undefined);
    this.#loop = this.#run(this.#abort.signal).finally(() => {
      unsubscribe();
      stopObserving();
    });
    await this.waitForPosition(head);
    if (this.#state === 'catching_up') this.#state = 'live';
  }

  async #resolveStart(): Promise<number> {
    const startFrom = this.#options.startFrom ?? 'checkpoint';
    if (typeof startFrom === 'number') return startFrom;
    if (startFrom === 'beginning') return 0;
    if (startFrom === 'end') return this.#options.eventStore.getGlobalPosition();
    return (await this.#options.checkpointRepository.getCheckpoint(this.name))?.position ?? 0;
  }

  async #run(signal: AbortSignal): Promise<void> {
    const maxPollIntervalMs = this.#options.maxPollIntervalMs ?? 1000;
    let idleMs = 10;
    try {
      while (!signal.aborted) {
        // The head is read before the batch: an empty batch then proves everything up to it was
        // seen, while an append landing after the read is left for the next round.
        const head = await this.#options.eventStore.getGlobalPosition();
        const batch = await this.#readBatch();
        if (batch.length === 0) {
          this.#state = 'live';
          await this.#skipTo(head);
          this.#settleWaiters(head);
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
            void sleep(idleMs, signal).then(resolve);
          });
          this.#wake = undefined;
          idleMs = Math.min(idleMs * 2, maxPollIntervalMs);
          continue;
        }
        idleMs = 10;
        await this.#processBatch(batch, signal);
      }
    } catch (error) {
      this.#state = 'failed';
      this.#failure = error;
      this.#logger.error(
        { subscription: this.name, error: errorTypeOf(error), position: this.#position },
        'subscription stopped on error',
      );
      for (const waiter of this.#positionWaiters) waiter.reject(error);
      this.#positionWaiters.clear();
      return;
    }
    for (const waiter of this.#positionWaiters) waiter.reject(new ClosedError(`Subscription ${this.name}`));
    this.#positionWaiters.clear();
  }

  /**
   * Nothing matched up to `head` (read before the empty batch, so nothing below it can still
   * appear): move past the events the filter skipped, so polls and restarts do not re-scan them.
   * The checkpoint follows at most once a second.
   */
  async #skipTo(head: number): Promise<void> {
    if (head <= this.#position) return;
    this.#position = head;
    this.#instruments()?.lag?.record(0, { [ATTR_SUBSCRIPTION_NAME]: this.name });
    if (Date.now() - this.#skipCheckpointedAt < 1000) return;
    this.#skipCheckpointedAt = Date.now();
    await this.#options.checkpointRepository.updateCheckpoint(this.name, { position: head, processed: 0 });
  }

  /**
   * The next batch. An event the store cannot decode ends it, as its last entry: the events before
   * it are delivered, it is dead-lettered, and the next read starts after it.
   */
  async #readBatch(): Promise<ReadAllPageEntry[]> {
    const batch: ReadAllPageEntry[] = [];
    const eventTypes = this.#options.eventTypes ?? subscriberEventTypes(this.#options.subscriber);
    const batchSize = this.#options.batchSize ?? 100;
    try {
      for await (const stored of this.#options.eventStore.readAll({
        fromPosition: this.#position,
        limit: batchSize,
        pageSize: batchSize,
        ...(eventTypes === undefined ? {} : { eventTypes }),
      })) {
        batch.push(stored);
      }
    } catch (error) {
      if (!(error instanceof EventDecodingError) || error.globalPosition === undefined) throw error;
      batch.push({ globalPosition: error.globalPosition, error });
    }
    return batch;
  }

  #processBatch(batch: readonly ReadAllPageEntry[], signal: AbortSignal): Promise<void> {
    const attributes = {
      [ATTR_SUBSCRIPTION_NAME]: this.name,
      [ATTR_BATCH_SIZE]: batch.length,
      [ATTR_FROM_POSITION]: this.#position,
      [ATTR_TO_POSITION]: batch.at(-1)!.globalPosition,
      [SemanticAttributes.messagingOperationType]: 'process',
      [SemanticAttributes.messagingBatchMessageCount]: batch.length,
    };
    const links = this.#tracer.enabled
      ? linksToEvents(batch.flatMap((entry) => ('event' in entry ? [entry.event] : [])))
      : [];
    return this.#tracer.run(
      SpanNames.subscription.processBatch,
      { kind: SpanKinds.consumer, attributes, links },
      async (span) => {
        let processed = 0;
        let last: ReadAllPageEntry | undefined;
        try {
          for (const entry of batch) {
            if (signal.aborted) break;
            if ('error' in entry) {
              // Without a DLQ the runner stops at it, as at an event whose handling keeps failing.
              if (this.#deadLetters === undefined) throw entry.error;
              await this.#deadLetters.addUndecodable(entry.error);
            } else {
              const handled = await this.#processEvent(entry, signal);
              if (!handled) break;
              this.#instruments()?.freshness.record((Date.now() - entry.storedAt.getTime()) / 1000, {
                [ATTR_SUBSCRIPTION_NAME]: this.name,
              });
            }
            processed += 1;
            last = entry;
            this.#position = entry.globalPosition;
          }
        } finally {
          if (last !== undefined) {
            const lastEvent = 'error' in last ? last.error : last.event;
            await this.#options.checkpointRepository.updateCheckpoint(this.name, {
              position: last.globalPosition,
              eventId: lastEvent.eventId,
              eventType: lastEvent.eventType,
              processed,
            });
            const head = await this.#options.eventStore.getGlobalPosition();
            this.#instruments()?.lag?.record(Math.max(0, head - this.#position), {
              [ATTR_SUBSCRIPTION_NAME]: this.name,
            });
            this.#settleWaiters(this.#position);
          }
          span?.setAttribute('eventsource.events.processed', processed);
        }
      },
    );
  }

  /** True when the event was handled or dead-lettered; false when stopping interrupted its retries. */
  async #processEvent(stored: StoredEvent, signal: AbortSignal): Promise<boolean> {
    for (let retry = 0; ; retry += 1) {
      try {
        await this.#deliver(stored.event);
        return true;
      } catch (error) {
        if (retry < this.#retryPolicy.maxRetries) {
          this.#logger.warn(
            {
              subscription: this.name,
              event_id: stored.event.eventId,
              retry: retry + 1,
              error: errorTypeOf(error),
            },
            'handler failed; retrying',
          );
          await sleep(this.#retryPolicy.delayMs(retry + 1), signal);
          if (signal.aborted) return false;
          continue;
        }
        if (this.#deadLetters === undefined) throw error;
        await this.#deadLetters.add({
          consumerName: this.name,
          event: stored.event,
          globalPosition: stored.globalPosition,
          error,
          retryCount: retry,
        });
        return true;
      }
    }
  }

  #deliver(event: DomainEvent): Promise<void> {
    const subscriber = this.#options.subscriber;
    const call = async () =>
      isProjection(subscriber) ? subscriber.handle(event) : invokeHandler(subscriber, event);
    if (this.#options.propagation !== 'parent') return call();
    const api = getOpenTelemetryApi();
    const parent: Context | undefined = contextFromEvent(event);
    return api === undefined || parent === undefined ? call() : api.context.with(parent, call);
  }

  #settleWaiters(position: number): void {
    for (const waiter of this.#positionWaiters) {
      if (position >= waiter.position || this.#position >= waiter.position) {
        waiter.resolve();
        this.#positionWaiters.delete(waiter);
      }
    }
  }
}

function isProjection(subscriber: Projection | EventHandler): subscriber is Projection {
  return (
    typeof subscriber === 'object' &&
    'handle' in subscriber &&
    'name' in subscriber &&
    typeof (subscriber as Projection).name === 'string'
  );
}

function subscriberEventTypes(subscriber: Projection | EventHandler): readonly string[] | undefined {
  if (typeof subscriber === 'function' || !('eventTypes' in subscriber)) return undefined;
  return (subscriber as Projection).eventTypes;
}
