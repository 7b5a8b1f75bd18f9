import type { Span } from './otel-types.ts';
import type { DomainEvent } from '../events/domain-event.ts';
import type { AppendResult, ExpectedVersion } from '../ports/event-store.ts';
import { assertAppendArguments, assertStreamArguments, streamIdOf } from '../ports/event-store.ts';
import {
  ATTR_AGGREGATE_ID,
  ATTR_AGGREGATE_TYPE,
  ATTR_BATCH_SIZE,
  ATTR_DB_OPERATION,
  ATTR_EVENT_COUNT,
  ATTR_EVENT_TYPE,
  ATTR_FROM_POSITION,
  ATTR_FROM_VERSION,
  ATTR_POSITION,
  ATTR_STREAM_ID,
  ATTR_TENANT_ID,
  ATTR_TO_POSITION,
  ATTR_VERSION,
  expectedVersionAttributes,
  SemanticAttributes,
  type Attributes,
} from './attributes.ts';
import { ComponentTracer, type TelemetryOptions } from './component-tracer.ts';
import { lazyInstruments, type MetricsOptions } from './metrics.ts';
import type { SpanKindValue, SpanName } from './span-names.ts';
import { stampTraceContext } from './trace-context.ts';

export interface EventStoreTelemetryConfig {
  /** Instrumentation scope: the adapter's package name. */
  readonly scope: string;
  readonly spanNames: {
    readonly appendEvents: SpanName;
    readonly getEvents: SpanName;
    readonly readAll: SpanName;
  };
  readonly kind: SpanKindValue;
  /** Attributes on every span (`db.system`, `db.namespace`, `server.address`, ...). Never credentials. */
  readonly attributes: Attributes;
  /** Table name, for `db.collection.name`. */
  readonly collection?: string;
}

/**
 * Spans and metrics every event store emits, in one place, so all adapters report the same
 * attributes. The append span stamps its trace context into each event's metadata before `write`.
 */
export class EventStoreTelemetry {
  readonly tracer: ComponentTracer;
  readonly #config: EventStoreTelemetryConfig;
  readonly #instruments;
  readonly #operations = new Map<string, Attributes>();
  /** Metric attributes are the same for every append of a store: built once. */
  readonly #metricAttributes: {
    readonly written: Attributes;
    readonly ok: Attributes;
    readonly error: Attributes;
  };

  constructor(config: EventStoreTelemetryConfig, options: TelemetryOptions & MetricsOptions = {}) {
    this.#config = config;
    this.tracer = ComponentTracer.from(config.scope, options, true);
    const system = config.attributes[SemanticAttributes.dbSystemName];
    const written: Attributes = system === undefined ? {} : { [SemanticAttributes.dbSystemName]: system };
    this.#metricAttributes = {
      written,
      ok: { ...written, outcome: 'ok' },
      error: { ...written, outcome: 'error' },
    };
    this.#instruments = lazyInstruments(
      config.scope,
      (meter) => ({
        appendDuration: meter.createHistogram('eventsource.event_store.append.duration', {
          unit: 's',
          description: 'Duration of event store appends',
          advice: {
            explicitBucketBoundaries: [
              0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
            ],
          },
        }),
        eventsAppended: meter.createCounter('eventsource.events.appended', {
          unit: '{event}',
          description: 'Events appended',
        }),
      }),
      options,
    );
  }

  /**
   * Validates the arguments (bad input rejects with `InvalidArgumentError` before any work), then
   * runs `write` with the events stamped with the append span's trace context, inside that span.
   */
  appendEvents(
    aggregateId: string,
    aggregateType: string,
    events: readonly DomainEvent[],
    expectedVersion: ExpectedVersion,
    write: (stamped: DomainEvent[], span: Span | undefined) => Promise<AppendResult> | AppendResult,
  ): Promise<AppendResult> {
    try {
      assertAppendArguments(aggregateId, aggregateType, events);
    } catch (error) {
      return Promise.reject(error);
    }
    const attributes = (): Attributes =>
      this.#appendAttributes(aggregateId, aggregateType, events, expectedVersion);
    const started = performance.now();
    return this.tracer.run(
      this.#config.spanNames.appendEvents,
      { kind: this.#config.kind, attributes },
      async (span, spanContext) => {
        let outcome: 'ok' | 'error' = 'error';
        try {
          // From the context holding the append span, never the active one: without a context
          // manager the active context is the root and would carry no trace.
          const result = await write(stampTraceContext(events, spanContext), span);
          if (span?.isRecording() === true)
            span.setAttributes({ [ATTR_VERSION]: result.nextVersion, [ATTR_POSITION]: result.lastPosition });
          this.#instruments()?.eventsAppended.add(result.written, this.#metricAttributes.written);
          outcome = 'ok';
          return result;
        } finally {
          this.#instruments()?.appendDuration.record(
            (performance.now() - started) / 1000,
            this.#metricAttributes[outcome],
          );
        }
      },
    );
  }

  #appendAttributes(
    aggregateId: string,
    aggregateType: string,
    events: readonly DomainEvent[],
    expectedVersion: ExpectedVersion,
  ): Attributes {
    return {
      ...this.#operation('INSERT', 'append_events'),
      [ATTR_AGGREGATE_ID]: aggregateId,
      [ATTR_AGGREGATE_TYPE]: aggregateType,
      [ATTR_STREAM_ID]: streamIdOf(aggregateType, aggregateId),
      [ATTR_EVENT_COUNT]: events.length,
      [ATTR_EVENT_TYPE]:
        events.length === 1
          ? events[0]!.eventType
          : [...new Set(events.map((event) => event.eventType))].join(','),
      ...expectedVersionAttributes(expectedVersion),
      [ATTR_TENANT_ID]: events.find((event) => event.tenantId !== undefined)?.tenantId,
    };
  }

  getEvents<T extends { readonly events: readonly unknown[]; readonly version: number }>(
    aggregateId: string,
    aggregateType: string,
    fromVersion: number,
    read: () => Promise<T> | T,
  ): Promise<T> {
    try {
      assertStreamArguments(aggregateId, aggregateType);
    } catch (error) {
      return Promise.reject(error);
    }
    const attributes = (): Attributes => ({
      ...this.#operation('SELECT', 'get_events'),
      [ATTR_AGGREGATE_ID]: aggregateId,
      [ATTR_AGGREGATE_TYPE]: aggregateType,
      [ATTR_FROM_VERSION]: fromVersion,
    });
    return this.tracer.run(
      this.#config.spanNames.getEvents,
      { kind: this.#config.kind, attributes },
      async (span) => {
        const stream = await read();
        if (span?.isRecording() === true)
          span.setAttributes({ [ATTR_EVENT_COUNT]: stream.events.length, [ATTR_VERSION]: stream.version });
        return stream;
      },
    );
  }

  /** One span per page of `readAll`. */
  readAllPage<T extends { readonly globalPosition: number }>(
    fromPosition: number,
    limit: number,
    read: () => Promise<readonly T[]> | readonly T[],
  ): Promise<readonly T[]> {
    const attributes = (): Attributes => ({
      ...this.#operation('SELECT', 'read_all'),
      [ATTR_FROM_POSITION]: fromPosition,
      [ATTR_BATCH_SIZE]: limit,
    });
    return this.tracer.run(
      this.#config.spanNames.readAll,
      { kind: this.#config.kind, attributes },
      async (span) => {
        const page = await read();
        if (span?.isRecording() !== true) return page;
        span.setAttributes({
          [ATTR_EVENT_COUNT]: page.length,
          [ATTR_TO_POSITION]: page.at(-1)?.globalPosition ?? fromPosition,
        });
        return page;
      },
    );
  }

  /** The store's attributes and the operation's, built once per operation. */
  #operation(sqlVerb: string, operation: string): Attributes {
    let attributes = this.#operations.get(operation);
    if (attributes === undefined) {
      attributes = {
        ...this.#config.attributes,
        ...(this.#config.collection === undefined
          ? {}
          : {
              [ATTR_DB_OPERATION]: sqlVerb,
              [SemanticAttributes.dbOperationName]: operation,
              [SemanticAttributes.dbCollectionName]: this.#config.collection,
            }),
      };
      this.#operations.set(operation, attributes);
    }
    return attributes;
  }
}
