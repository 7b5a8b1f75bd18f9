import { errorTypeOf, type EventDecodingError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { ATTR_EVENT_ID, ATTR_RETRY_COUNT, ATTR_SUBSCRIPTION_NAME } from '../observability/attributes.ts';
import { recordError, type ComponentTracer } from '../observability/component-tracer.ts';
import type { ObservableGauge, ObservableResult } from '../observability/otel-types.ts';
import { SpanNames } from '../observability/span-names.ts';
import type { DLQFailure, DLQRepository } from '../ports/dlq-repository.ts';

/**
 * A subscription's side of its DLQ: dead letters written in a `subscription.dead_letter` span and
 * logged, and the `eventsource.dlq.size` gauge observed from the repository's own count, so the
 * reading follows resolutions made elsewhere instead of the last write made here.
 */
export class SubscriptionDeadLetters {
  readonly #name: string;
  readonly #repository: DLQRepository;
  readonly #tracer: ComponentTracer;
  readonly #logger: Logger;

  constructor(name: string, repository: DLQRepository, tracer: ComponentTracer, logger: Logger) {
    this.#name = name;
    this.#repository = repository;
    this.#tracer = tracer;
    this.#logger = logger;
  }

  /** An event whose handling kept failing, after `retryCount` retries. */
  add(failure: DLQFailure): Promise<void> {
    return this.#write(failure);
  }

  /** An event the store cannot decode: kept as stored, without retries (decoding again changes nothing). */
  addUndecodable(error: EventDecodingError): Promise<void> {
    return this.#write({
      consumerName: this.#name,
      raw: error.raw,
      ...(error.globalPosition === undefined ? {} : { globalPosition: error.globalPosition }),
      error,
      retryCount: 0,
    });
  }

  /** Observes the subscription's unresolved entries on `gauge` until the returned function is called. */
  observeSize(gauge: ObservableGauge | undefined): () => void {
    if (gauge === undefined) return () => undefined;
    const attributes = { [ATTR_SUBSCRIPTION_NAME]: this.#name };
    const observe = async (result: ObservableResult): Promise<void> => {
      try {
        result.observe(await this.#repository.count({ consumerName: this.#name }), attributes);
      } catch (error) {
        // A closed or unreachable DLQ gives no reading this time rather than a stale one.
        this.#logger.debug({ subscription: this.#name, error: errorTypeOf(error) }, 'DLQ size not observed');
      }
    };
    gauge.addCallback(observe);
    return () => gauge.removeCallback(observe);
  }

  async #write(failure: DLQFailure): Promise<void> {
    const eventId = (failure.event ?? failure.raw).eventId;
    await this.#tracer.run(
      SpanNames.subscription.deadLetter,
      {
        attributes: {
          [ATTR_SUBSCRIPTION_NAME]: this.#name,
          [ATTR_EVENT_ID]: eventId,
          [ATTR_RETRY_COUNT]: failure.retryCount,
        },
      },
      async (span) => {
        recordError(span, failure.error);
        await this.#repository.add(failure);
      },
    );
    this.#logger.error(
      { subscription: this.#name, event_id: eventId, error: errorTypeOf(failure.error) },
      'event sent to the DLQ',
    );
  }
}
