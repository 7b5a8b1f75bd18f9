import type { Context } from '@opentelemetry/api';
import type { Message, Producer } from 'kafkajs';
import { encodeEvent, type DomainEvent } from '@eventsource/core';
import {
  ATTR_AGGREGATE_ID,
  ATTR_AGGREGATE_TYPE,
  ATTR_EVENT_ID,
  ATTR_EVENT_TYPE,
  ATTR_MESSAGING_DESTINATION,
  ATTR_MESSAGING_SYSTEM,
  getOpenTelemetryApi,
  injectTraceHeaders,
  SemanticAttributes,
  SpanKinds,
  SpanNames,
  type ComponentTracer,
} from '@eventsource/core/observability';
import { isConnectionError, translateKafkaError } from './errors.ts';
import type { ResolvedKafkaOptions } from './kafka-event-bus-options.ts';
import { eventHeaders } from './kafka-headers.ts';
import type { KafkaEventBusMetrics } from './kafka-metrics.ts';

/** kafkajs' `CompressionTypes` values (a TypeScript enum there). */
const COMPRESSION = { none: 0, gzip: 1 } as const;

export interface KafkaPublisherOptions {
  readonly options: ResolvedKafkaOptions;
  readonly tracer: ComponentTracer;
  readonly metrics: KafkaEventBusMetrics;
  readonly producer: () => Promise<Producer>;
}

/**
 * Publishes events in batches. Each event gets its own PRODUCER span
 * (`eventsource.event_bus.publish`, open until the broker acknowledged the batch) whose context is
 * injected into that message's headers, so each consumer continues the trace of its own event.
 */
export class KafkaPublisher {
  readonly #options: ResolvedKafkaOptions;
  readonly #tracer: ComponentTracer;
  readonly #metrics: KafkaEventBusMetrics;
  readonly #producer: () => Promise<Producer>;
  readonly #spanAttributes: Record<string, string | number>;

  constructor(options: KafkaPublisherOptions) {
    this.#options = options.options;
    this.#tracer = options.tracer;
    this.#metrics = options.metrics;
    this.#producer = options.producer;
    const [host, port] = (this.#options.brokers[0] ?? '').split(':');
    this.#spanAttributes = {
      [ATTR_MESSAGING_SYSTEM]: 'kafka',
      [ATTR_MESSAGING_DESTINATION]: this.#options.topic,
      [SemanticAttributes.messagingSystemName]: 'kafka',
      [SemanticAttributes.messagingDestinationName]: this.#options.topic,
      [SemanticAttributes.messagingOperationType]: 'send',
      [SemanticAttributes.messagingOperationName]: 'publish',
      [SemanticAttributes.serverAddress]: host ?? '',
      [SemanticAttributes.serverPort]: Number(port),
    };
  }

  /**
   * Resolves when every event is acknowledged. Events that cannot be encoded fail the call before
   * anything is sent; a failed batch rejects with the translated kafkajs error (earlier batches of
   * the same call stay published).
   */
  async publish(events: readonly DomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    const values = events.map((event) => encodeEvent(event));
    const producer = await this.#producer();
    const { batchSize } = this.#options;
    for (let start = 0; start < events.length; start += batchSize) {
      await this.#publishBatch(
        producer,
        events.slice(start, start + batchSize),
        values.slice(start, start + batchSize),
      );
    }
  }

  async #publishBatch(
    producer: Producer,
    events: readonly DomainEvent[],
    values: readonly string[],
  ): Promise<void> {
    const { topic } = this.#options;
    const started = performance.now();
    const messages: Message[] = [];
    const acknowledged = Promise.withResolvers<void>();
    acknowledged.promise.catch(() => undefined);
    let firstSpanContext: Context | undefined;
    const api = this.#tracer.enabled ? getOpenTelemetryApi() : undefined;
    const spans = events.map((event, index) =>
      this.#tracer.run(
        SpanNames.eventBus.publish,
        { kind: SpanKinds.producer, attributes: this.#attributesOf(event) },
        (span) => {
          const headers = eventHeaders(event);
          if (span !== undefined && api !== undefined) {
            injectTraceHeaders(headers);
            firstSpanContext ??= api.context.active();
          }
          messages.push({ key: event.aggregateId, value: values[index] ?? null, headers });
          return acknowledged.promise;
        },
      ),
    );
    const spansEnded = Promise.allSettled(spans);
    try {
      await this.#send(producer, topic, messages, this.#sendContext(events.length, firstSpanContext));
      acknowledged.resolve();
      for (const [eventType, count] of countByType(events)) this.#metrics.published(topic, eventType, count);
    } catch (error) {
      const translated = translateKafkaError(error, `publish to ${topic}`);
      acknowledged.reject(translated);
      for (const [eventType, count] of countByType(events))
        this.#metrics.publishFailed(topic, eventType, error, count);
      if (isConnectionError(error)) this.#metrics.connectionError(error);
      throw translated;
    } finally {
      await spansEnded;
      this.#metrics.publishBatch(topic, events.length, performance.now() - started);
    }
  }

  /**
   * The context the kafkajs call runs in. A transport instrumentation (instrumentation-kafkajs)
   * starts its own `send` spans there and overwrites `traceparent` with them; for a single event
   * that is under our publish span. For a batch it is the caller's span, or with none the first
   * event's publish span, so the transport spans never start a separate trace.
   */
  #sendContext(count: number, firstSpanContext: Context | undefined): Context | undefined {
    if (firstSpanContext === undefined) return undefined;
    if (count === 1) return firstSpanContext;
    const api = getOpenTelemetryApi();
    const caller = api?.trace.getSpanContext(api.context.active());
    return caller !== undefined && api?.trace.isSpanContextValid(caller) ? undefined : firstSpanContext;
  }

  #send(
    producer: Producer,
    topic: string,
    messages: Message[],
    context: Context | undefined,
  ): Promise<unknown> {
    const send = () =>
      producer.send({
        topic,
        messages,
        acks: this.#options.acks,
        compression: COMPRESSION[this.#options.compressionType],
      });
    const api = getOpenTelemetryApi();
    return context === undefined || api === undefined ? send() : api.context.with(context, send);
  }

  /** Sends prepared messages (the DLQ path): no spans, no event metrics. */
  async sendRaw(topic: string, messages: Message[]): Promise<void> {
    const producer = await this.#producer();
    try {
      await producer.send({
        topic,
        messages,
        acks: this.#options.acks,
        compression: COMPRESSION[this.#options.compressionType],
      });
    } catch (error) {
      if (isConnectionError(error)) this.#metrics.connectionError(error);
      throw translateKafkaError(error, `publish to ${topic}`);
    }
  }

  #attributesOf(event: DomainEvent): Record<string, string | number> {
    return {
      ...this.#spanAttributes,
      [ATTR_EVENT_TYPE]: event.eventType,
      [ATTR_EVENT_ID]: event.eventId,
      [ATTR_AGGREGATE_ID]: event.aggregateId,
      [ATTR_AGGREGATE_TYPE]: event.aggregateType,
      'messaging.kafka.message.key': event.aggregateId,
    };
  }
}

function countByType(events: readonly DomainEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.eventType, (counts.get(event.eventType) ?? 0) + 1);
  return counts;
}
