import type { Context, Link, Span } from '../observability/otel-types.ts';
import { EventTypeNotFoundError, HandlerDispatchError } from '../errors.ts';
import type { DomainEvent } from '../events/domain-event.ts';
import type { Logger } from '../logging/logger.ts';
import {
  ATTR_AGGREGATE_ID,
  ATTR_AGGREGATE_TYPE,
  ATTR_EVENT_ID,
  ATTR_EVENT_TYPE,
  ATTR_MESSAGING_DESTINATION,
  ATTR_MESSAGING_SYSTEM,
  ATTR_RETRY_COUNT,
  SemanticAttributes,
  type Attributes,
} from '../observability/attributes.ts';
import { recordError, type ComponentTracer } from '../observability/component-tracer.ts';
import { getOpenTelemetryApi } from '../observability/otel-api.ts';
import { consumerSpanRelation, extractTraceHeaders } from '../observability/propagation.ts';
import { SpanKinds, SpanNames } from '../observability/span-names.ts';
import { sleep } from '../subscriptions/retry-policy.ts';
import {
  BusHeaders,
  deadLetterHeaders,
  DLQReasons,
  headerText,
  type DLQReason,
  type MessageHeaders,
} from './bus-headers.ts';
import type { EventBusMetrics } from './bus-metrics.ts';
import type { ResolvedEventBusOptions } from './bus-options.ts';
import type { EventDispatcher } from './event-dispatcher.ts';

/** A message as the driver received it, in the terms the pipeline needs. */
export interface IncomingMessage {
  readonly value: string | Uint8Array | null | undefined;
  readonly headers: MessageHeaders | undefined;
  /** Topic, queue or stream it came from (spans and metrics). */
  readonly destination: string;
  readonly partition?: string | number;
  /** The message key, when the transport has one (the aggregate id). */
  readonly key?: string;
  /** Transport attributes for the consumer span (offset, routing key, delivery tag, entry id, ...). */
  readonly attributes?: Attributes;
}

/** A message that could not be handled, on its way to the dead-letter queue. */
export interface DeadLetter<TMessage> {
  readonly message: TMessage;
  readonly reason: DLQReason;
  readonly error: unknown;
  readonly retryCount: number;
  /** The `dlq_*` headers to add to the original ones. */
  readonly headers: Record<string, string>;
}

/** What became of a message; for each the message is done with and may be acknowledged. */
export type MessageOutcome = 'handled' | 'dead_lettered' | 'skipped';

/**
 * Thrown out of a retry back-off when consumption stops: the message was not handled and must be
 * left for redelivery (not acknowledged). A deliberate stop, not a failure.
 */
export class ConsumptionStoppedError extends Error {
  override readonly name = 'ConsumptionStoppedError';
}

/** True for {@link ConsumptionStoppedError}, also from another copy of core (matched by name). */
export function isConsumptionStopped(error: unknown): error is ConsumptionStoppedError {
  return error instanceof Error && error.name === 'ConsumptionStoppedError';
}

export interface MessagePipelineConfig<TMessage> {
  /** `messaging.system` (`kafka`, `rabbitmq`, `redis`). */
  readonly system: string;
  /** `eventsource.event_bus.consume` (Kafka, RabbitMQ) or `eventsource.event_bus.process` (Redis, as the seed names it). */
  readonly spanName: typeof SpanNames.eventBus.consume | typeof SpanNames.eventBus.process;
  readonly options: ResolvedEventBusOptions;
  readonly dispatcher: EventDispatcher;
  readonly tracer: ComponentTracer;
  readonly metrics: EventBusMetrics;
  readonly logger: Logger;
  /**
   * Puts the message and `letter.headers` on the dead-letter queue; only called with the DLQ on.
   * A rejection propagates from `process`, and the message must then stay unacknowledged.
   */
  readonly deadLetter: (letter: DeadLetter<TMessage>) => Promise<void>;
  /**
   * Waits out a back-off before retrying `message` (default: a sleep that ends early when `signal`
   * aborts). Kafka heartbeats meanwhile, so the group keeps the member.
   */
  readonly wait?: (delayMs: number, signal: AbortSignal, message: TMessage) => Promise<void>;
}

/**
 * Turns one message into handler calls, the same way on every bus: one CONSUMER span (child of the
 * producer span from the headers plus a link, or a new trace with a link), decoding with the bus's
 * wire format, dispatch (`dispatch` and `handle` spans), retries with back-off that really waits
 * (the message is held meanwhile, never republished), and the dead-letter queue once retries run
 * out or the message cannot be decoded — after which consumption goes on. A message of a type that
 * no handler here subscribed to is skipped unread.
 */
export class MessagePipeline<TMessage> {
  readonly #config: MessagePipelineConfig<TMessage>;
  readonly #spanAttributes: Attributes;

  constructor(config: MessagePipelineConfig<TMessage>) {
    this.#config = config;
    this.#spanAttributes = {
      [ATTR_MESSAGING_SYSTEM]: config.system,
      [SemanticAttributes.messagingSystemName]: config.system,
      [SemanticAttributes.messagingOperationType]: 'process',
      [SemanticAttributes.messagingOperationName]:
        config.spanName === SpanNames.eventBus.process ? 'process' : 'consume',
      [SemanticAttributes.messagingConsumerGroupName]: config.options.consumerGroup,
    };
  }

  /**
   * Handles `incoming` (`message` is the driver's own object, handed back in a {@link DeadLetter}).
   * Rejects with {@link ConsumptionStoppedError} when `signal` aborts a back-off, or with the
   * dead-letter error when the DLQ could not be written: leave the message unacknowledged then.
   */
  async process(incoming: IncomingMessage, message: TMessage, signal: AbortSignal): Promise<MessageOutcome> {
    const { dispatcher, metrics, tracer } = this.#config;
    const started = performance.now();
    const eventType = headerText(incoming.headers, BusHeaders.eventType);
    metrics.consumed(incoming.destination, incoming.partition, eventType);
    try {
      if (eventType !== undefined && dispatcher.handlersFor(eventType).length === 0) return 'skipped';
      // Untraced, no span options or closures are built: this runs for every message.
      return await (tracer.enabled
        ? this.#traced(incoming, eventType, (span) =>
            this.#handle(span, incoming, message, eventType, signal),
          )
        : this.#handle(undefined, incoming, message, eventType, signal));
    } finally {
      metrics.consumeDuration(incoming.destination, performance.now() - started);
    }
  }

  #traced(
    incoming: IncomingMessage,
    eventType: string | undefined,
    fn: (span: Span | undefined) => Promise<MessageOutcome>,
  ): Promise<MessageOutcome> {
    const relation = this.#relationTo(extractTraceHeaders(incoming.headers ?? {}));
    const eventId = headerText(incoming.headers, BusHeaders.eventId);
    const attributes: Attributes = {
      ...this.#spanAttributes,
      [ATTR_MESSAGING_DESTINATION]: incoming.destination,
      [SemanticAttributes.messagingDestinationName]: incoming.destination,
      [SemanticAttributes.messagingMessageId]: eventId,
      [ATTR_EVENT_TYPE]: eventType,
      [ATTR_EVENT_ID]: eventId,
      [ATTR_AGGREGATE_ID]: incoming.key,
      [ATTR_AGGREGATE_TYPE]: headerText(incoming.headers, BusHeaders.aggregateType),
      ...incoming.attributes,
    };
    return this.#config.tracer.run(
      this.#config.spanName,
      {
        kind: SpanKinds.consumer,
        attributes,
        links: relation.links,
        ...(relation.parent === undefined ? {} : { parent: relation.parent }),
      },
      fn,
    );
  }

  async #handle(
    span: Span | undefined,
    incoming: IncomingMessage,
    message: TMessage,
    eventType: string | undefined,
    signal: AbortSignal,
  ): Promise<MessageOutcome> {
    let event: DomainEvent;
    try {
      event = this.#decode(incoming);
    } catch (error) {
      recordError(span, error);
      const reason =
        error instanceof EventTypeNotFoundError
          ? DLQReasons.unknownEventType
          : DLQReasons.deserializationError;
      return this.#deadLetter({ message, reason, error, retryCount: 0 });
    }
    if (eventType === undefined) {
      if (this.#config.dispatcher.handlersFor(event.eventType).length === 0) return 'skipped';
      span?.setAttribute(ATTR_EVENT_TYPE, event.eventType);
    }
    if (incoming.key === undefined) span?.setAttribute(ATTR_AGGREGATE_ID, event.aggregateId);
    const { retryPolicy } = this.#config.options;
    for (let retry = 0; ; retry += 1) {
      try {
        await this.#config.dispatcher.dispatch(event);
        if (retry > 0) span?.setAttribute(ATTR_RETRY_COUNT, retry);
        return 'handled';
      } catch (error) {
        if (retry >= retryPolicy.maxRetries) {
          span?.setAttribute(ATTR_RETRY_COUNT, retry);
          recordError(span, error);
          return this.#deadLetter({
            message,
            reason: DLQReasons.maxRetriesExceeded,
            error: soleFailure(error),
            retryCount: retry,
          });
        }
        this.#config.logger.warn(
          {
            event_type: event.eventType,
            event_id: event.eventId,
            retry_count: retry + 1,
            error: error instanceof Error ? error.message : String(error),
          },
          'Handler failed; retrying after back-off',
        );
        await this.#wait(retryPolicy.delayMs(retry + 1), signal, message);
      }
    }
  }

  #decode(incoming: IncomingMessage): DomainEvent {
    const { value } = incoming;
    const text =
      value === null || value === undefined
        ? ''
        : typeof value === 'string'
          ? value
          : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
    const { wireFormat, registry } = this.#config.options;
    return wireFormat.decode(text, (name) => headerText(incoming.headers, name), registry);
  }

  async #deadLetter(letter: Omit<DeadLetter<TMessage>, 'headers'>): Promise<MessageOutcome> {
    const { options, logger, metrics } = this.#config;
    const details = {
      reason: letter.reason,
      retry_count: letter.retryCount,
      error: letter.error instanceof Error ? letter.error.message : String(letter.error),
      consumer_group: options.consumerGroup,
    };
    if (!options.enableDlq) {
      logger.error(details, 'Message dropped: it cannot be handled and the DLQ is off');
      return 'dead_lettered';
    }
    const headers = deadLetterHeaders({ ...letter, consumerGroup: options.consumerGroup });
    await this.#config.deadLetter({ ...letter, headers });
    metrics.deadLettered(letter.reason, letter.error);
    logger.warn(details, 'Message dead-lettered');
    return 'dead_lettered';
  }

  /**
   * Where the consumer span goes. When a transport instrumentation already opened a span around this
   * callback, nest under it: it is itself a child of the producer, so the trace stays one. Otherwise
   * core's rule: child of the producer (or a new trace) plus a link.
   */
  #relationTo(producerContext: Context | undefined): { parent?: Context; links: Link[] } {
    const { propagation } = this.#config.options;
    const relation = consumerSpanRelation(producerContext, propagation);
    const api = getOpenTelemetryApi();
    if (api === undefined || propagation !== 'parent') return relation;
    const active = api.context.active();
    const ambient = api.trace.getSpanContext(active);
    return ambient !== undefined && api.trace.isSpanContextValid(ambient)
      ? { parent: active, links: relation.links }
      : relation;
  }

  async #wait(delayMs: number, signal: AbortSignal, message: TMessage): Promise<void> {
    if (signal.aborted) throw stopped();
    await (this.#config.wait ?? sleep)(delayMs, signal, message);
    if (signal.aborted) throw stopped();
  }
}

function stopped(): ConsumptionStoppedError {
  return new ConsumptionStoppedError(
    'Consumption stopped during a retry back-off; the message will be redelivered',
  );
}

/** The handler's own error when only one handler failed (the DLQ headers then name its class). */
function soleFailure(error: unknown): unknown {
  return error instanceof HandlerDispatchError && error.failures.length === 1
    ? error.failures[0]?.error
    : error;
}
