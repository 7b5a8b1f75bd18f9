import type { DomainEvent } from '../events/domain-event.ts';
import { ATTR_EVENT_ID, ATTR_EVENT_TYPE, ATTR_PROJECTION_NAME } from '../observability/attributes.ts';
import { errorTypeOf } from '../errors.ts';
import { getLogger, LoggerNames } from '../logging/logger.ts';
import { ComponentTracer, type TelemetryOptions } from '../observability/component-tracer.ts';
import { SpanNames } from '../observability/span-names.ts';
import { linkToEvent } from '../observability/trace-context.ts';

/** Builds a read model from events. `handle` must be idempotent: delivery is at least once. */
export interface Projection {
  readonly name: string;
  /** Event types this projection wants; all when undefined. */
  readonly eventTypes?: readonly string[] | undefined;
  handle(event: DomainEvent): Promise<void>;
  /** Clears the read model before a rebuild. */
  reset?(): Promise<void>;
}

/**
 * Base for projections. `handle` runs `process` inside an `eventsource.projection.handle` span
 * linked to the trace that appended the event. Tracing is OFF by default (projections run per
 * event and would flood a tracing backend); pass `{ enableTracing: true }` to opt in.
 */
export abstract class ProjectionBase implements Projection {
  protected readonly tracer: ComponentTracer;

  constructor(options: TelemetryOptions = {}) {
    this.tracer = ComponentTracer.from('@eventsource/core', options, false);
  }

  /** Event types to receive; all when undefined. */
  get eventTypes(): readonly string[] | undefined {
    return undefined;
  }

  /** Defaults to the class name. */
  get name(): string {
    return this.constructor.name;
  }

  protected abstract process(event: DomainEvent): Promise<void>;

  handle(event: DomainEvent): Promise<void> {
    const link = this.tracer.enabled ? linkToEvent(event) : undefined;
    const attributes = {
      [ATTR_PROJECTION_NAME]: this.name,
      [ATTR_EVENT_TYPE]: event.eventType,
      [ATTR_EVENT_ID]: event.eventId,
    };
    return this.tracer.run(
      SpanNames.projection.handle,
      { attributes, ...(link ? { links: [link] } : {}) },
      async () => {
        try {
          await this.process(event);
        } catch (error) {
          projectionLogger.error(
            {
              projection: this.name,
              event_type: event.eventType,
              event_id: event.eventId,
              error: errorTypeOf(error),
            },
            'projection failed to handle an event',
          );
          throw error;
        }
      },
    );
  }

  async reset(): Promise<void> {}
}

const projectionLogger = getLogger(LoggerNames.projections);
