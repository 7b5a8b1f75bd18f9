import type { Context, Link, Span } from '@opentelemetry/api';
import type { EachMessagePayload, KafkaMessage } from 'kafkajs';
import {
  decodeEvent,
  EventTypeNotFoundError,
  HandlerDispatchError,
  sleep,
  type DomainEvent,
  type EventDispatcher,
  type EventRegistry,
  type Logger,
  type RetryPolicy,
} from '@eventsource/core';
import {
  ATTR_AGGREGATE_ID,
  ATTR_AGGREGATE_TYPE,
  ATTR_EVENT_ID,
  ATTR_EVENT_TYPE,
  ATTR_MESSAGING_DESTINATION,
  ATTR_MESSAGING_SYSTEM,
  ATTR_RETRY_COUNT,
  consumerSpanRelation,
  extractTraceHeaders,
  getOpenTelemetryApi,
  recordError,
  SemanticAttributes,
  SpanKinds,
  SpanNames,
  type ComponentTracer,
  type TracePropagationMode,
} from '@eventsource/core/observability';
import type { ConsumerLagTracker } from './consumer-lag.ts';
import type { DeadLetter } from './dlq-message.ts';
import { ConsumptionStopped } from './errors.ts';
import { DlqReasons, headerText, KafkaHeaders } from './kafka-headers.ts';
import type { KafkaEventBusMetrics } from './kafka-metrics.ts';

export interface KafkaMessageProcessorOptions {
  readonly topic: string;
  readonly consumerGroup: string;
  readonly registry: EventRegistry;
  readonly dispatcher: EventDispatcher;
  readonly tracer: ComponentTracer;
  readonly propagation: TracePropagationMode;
  readonly retryPolicy: RetryPolicy;
  readonly heartbeatIntervalMs: number;
  readonly metrics: KafkaEventBusMetrics;
  readonly lag: ConsumerLagTracker;
  readonly logger: Logger;
  /** Sends to the DLQ (or, with the DLQ off, logs); rejecting leaves the message uncommitted. */
  readonly deadLetter: (deadLetter: DeadLetter) => Promise<void>;
  /** Aborted when consumption stops: back-off waits end and the message is left for redelivery. */
  readonly stopping: () => AbortSignal;
}

/**
 * Turns one Kafka message into handler calls: one CONSUMER span (child of the producer span from
 * the headers, plus a link), decoding, dispatch, retries with back-off that really waits (the
 * partition does not move past the message meanwhile), and the DLQ once retries run out or the
 * message cannot be decoded. Messages of a type nobody here subscribed to are acknowledged unread.
 */
export class KafkaMessageProcessor {
  readonly #options: KafkaMessageProcessorOptions;
  readonly #staticAttributes: Record<string, string>;

  constructor(options: KafkaMessageProcessorOptions) {
    this.#options = options;
    this.#staticAttributes = {
      [ATTR_MESSAGING_SYSTEM]: 'kafka',
      [ATTR_MESSAGING_DESTINATION]: options.topic,
      [SemanticAttributes.messagingSystemName]: 'kafka',
      [SemanticAttributes.messagingDestinationName]: options.topic,
      [SemanticAttributes.messagingOperationType]: 'process',
      [SemanticAttributes.messagingOperationName]: 'consume',
      [SemanticAttributes.messagingConsumerGroupName]: options.consumerGroup,
    };
  }

  async process({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const { dispatcher, metrics, lag } = this.#options;
    const started = performance.now();
    const eventType = headerText(message.headers, KafkaHeaders.eventType);
    metrics.consumed(topic, partition, eventType);
    if (eventType === undefined || dispatcher.handlersFor(eventType).length > 0) {
      await this.#consume(partition, message, eventType, heartbeat);
    }
    lag.processed(partition, message.offset);
    metrics.consumeDuration(topic, performance.now() - started);
  }

  #consume(
    partition: number,
    message: KafkaMessage,
    eventType: string | undefined,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const { tracer } = this.#options;
    if (!tracer.enabled) return this.#handle(undefined, partition, message, eventType, heartbeat);
    const relation = this.#relationTo(extractTraceHeaders(message.headers ?? {}));
    const key = message.key === null ? undefined : message.key.toString('utf8');
    const attributes = {
      ...this.#staticAttributes,
      'messaging.destination.partition.id': String(partition),
      'messaging.kafka.offset': Number(message.offset),
      'messaging.kafka.message.key': key,
      [ATTR_EVENT_TYPE]: eventType,
      [ATTR_EVENT_ID]: headerText(message.headers, KafkaHeaders.eventId),
      [ATTR_AGGREGATE_ID]: key,
      [ATTR_AGGREGATE_TYPE]: headerText(message.headers, KafkaHeaders.aggregateType),
    };
    return tracer.run(
      SpanNames.eventBus.consume,
      {
        kind: SpanKinds.consumer,
        attributes,
        links: relation.links,
        ...(relation.parent === undefined ? {} : { parent: relation.parent }),
      },
      (span) => this.#handle(span, partition, message, eventType, heartbeat),
    );
  }

  async #handle(
    span: Span | undefined,
    partition: number,
    message: KafkaMessage,
    eventType: string | undefined,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    let event: DomainEvent;
    try {
      // A string, not the Buffer: decodeEvent would copy a Buffer before reading it.
      event = decodeEvent(message.value?.toString('utf8') ?? '', this.#options.registry);
    } catch (error) {
      recordError(span, error);
      const reason =
        error instanceof EventTypeNotFoundError
          ? DlqReasons.unknownEventType
          : DlqReasons.deserializationError;
      await this.#options.deadLetter({ partition, message, reason, error, retryCount: 0 });
      return;
    }
    if (eventType === undefined) span?.setAttribute(ATTR_EVENT_TYPE, event.eventType);
    const { retryPolicy } = this.#options;
    for (let retry = 0; ; retry += 1) {
      try {
        await this.#options.dispatcher.dispatch(event);
        if (retry > 0) span?.setAttribute(ATTR_RETRY_COUNT, retry);
        return;
      } catch (error) {
        if (retry >= retryPolicy.maxRetries) {
          span?.setAttribute(ATTR_RETRY_COUNT, retry);
          recordError(span, error);
          await this.#options.deadLetter({
            partition,
            message,
            reason: DlqReasons.maxRetriesExceeded,
            error: soleFailure(error),
            retryCount: retry,
          });
          return;
        }
        this.#options.logger.warn(
          {
            event_type: event.eventType,
            event_id: event.eventId,
            retry_count: retry + 1,
            error: error instanceof Error ? error.message : String(error),
          },
          'Handler failed; retrying after back-off',
        );
        await this.#wait(retryPolicy.delayMs(retry + 1), heartbeat);
      }
    }
  }

  /**
   * Where the consume span goes. When a transport instrumentation (instrumentation-kafkajs) already
   * opened a span around this callback, nest under it: it is itself a child of the producer, so the
   * trace stays one. Otherwise core's rule: child of the producer (or a new trace) plus a link.
   */
  #relationTo(producerContext: Context | undefined): { parent?: Context; links: Link[] } {
    const relation = consumerSpanRelation(producerContext, this.#options.propagation);
    const api = getOpenTelemetryApi();
    if (api === undefined || this.#options.propagation !== 'parent') return relation;
    const active = api.context.active();
    const ambient = api.trace.getSpanContext(active);
    return ambient !== undefined && api.trace.isSpanContextValid(ambient)
      ? { parent: active, links: relation.links }
      : relation;
  }

  /** Sleeps `delayMs` in slices, heartbeating so the group does not evict this member meanwhile. */
  async #wait(delayMs: number, heartbeat: () => Promise<void>): Promise<void> {
    const signal = this.#options.stopping();
    const deadline = performance.now() + delayMs;
    for (;;) {
      if (signal.aborted)
        throw new ConsumptionStopped(
          'Consumption stopped during a retry back-off; the message will be redelivered',
        );
      const remaining = deadline - performance.now();
      if (remaining <= 0) return;
      await sleep(Math.min(remaining, this.#options.heartbeatIntervalMs), signal);
      if (!signal.aborted) await heartbeat();
    }
  }
}

/** The handler's own error when only one handler failed (the DLQ headers then name its class). */
function soleFailure(error: unknown): unknown {
  return error instanceof HandlerDispatchError && error.failures.length === 1
    ? error.failures[0]?.error
    : error;
}
