import type { DomainEvent, EventDefinition } from '../events/domain-event.ts';
import { InvalidArgumentError } from '../errors.ts';
import { ATTR_EVENT_TYPE, ATTR_HANDLER_NAME, ATTR_PROJECTION_NAME } from '../observability/attributes.ts';
import { SpanNames } from '../observability/span-names.ts';
import { ProjectionBase } from './projection.ts';

export type ProjectionHandler<TEvent extends DomainEvent = DomainEvent> = (
  event: TEvent,
) => Promise<void> | void;

/**
 * A projection declared as handlers per event type, registered in the constructor with `on`.
 * Events without a handler are ignored. Each handler runs in an `eventsource.projection.handler`
 * span inside `eventsource.projection.handle` (when tracing is enabled).
 */
export abstract class DeclarativeProjection extends ProjectionBase {
  readonly #handlers = new Map<string, { readonly name: string; readonly handler: ProjectionHandler }>();

  override get eventTypes(): readonly string[] {
    return [...this.#handlers.keys()];
  }

  protected on<TType extends string, TData>(
    definition: EventDefinition<TType, TData> | TType,
    handler: ProjectionHandler<DomainEvent<TType, TData>>,
  ): this {
    const eventType = typeof definition === 'string' ? definition : definition.eventType;
    if (this.#handlers.has(eventType))
      throw new InvalidArgumentError(`${this.name} already handles ${eventType}`);
    this.#handlers.set(eventType, {
      name: handler.name || `on${eventType}`,
      handler: handler as ProjectionHandler,
    });
    return this;
  }

  protected async process(event: DomainEvent): Promise<void> {
    const entry = this.#handlers.get(event.eventType);
    if (entry === undefined) return;
    const attributes = {
      [ATTR_PROJECTION_NAME]: this.name,
      [ATTR_HANDLER_NAME]: entry.name,
      [ATTR_EVENT_TYPE]: event.eventType,
    };
    await this.tracer.run(SpanNames.projection.handler, { attributes }, async () => entry.handler(event));
  }
}
