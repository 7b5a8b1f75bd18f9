import type { DomainEvent, EventDefinition } from '../events/domain-event.ts';
import { InvalidArgumentError, UnhandledEventError } from '../errors.ts';
import { AggregateRoot } from './aggregate-root.ts';

export type StateHandler<TState, TEvent extends DomainEvent = DomainEvent> = (
  state: TState,
  event: TEvent,
) => TState;

/** Per-event-type state handlers, built once with {@link aggregateHandlers} and shared by all instances. */
export interface AggregateHandlers<TState> {
  on<TType extends string, TData>(
    definition: EventDefinition<TType, TData> | TType,
    handler: StateHandler<TState, DomainEvent<TType, TData>>,
  ): AggregateHandlers<TState>;
  get(eventType: string): StateHandler<TState> | undefined;
  readonly eventTypes: readonly string[];
}

export function aggregateHandlers<TState>(): AggregateHandlers<TState> {
  const handlers = new Map<string, StateHandler<TState>>();
  const builder: AggregateHandlers<TState> = {
    on(definition, handler) {
      const eventType = typeof definition === 'string' ? definition : definition.eventType;
      if (handlers.has(eventType))
        throw new InvalidArgumentError(`A handler for ${eventType} is already registered`);
      handlers.set(eventType, handler as StateHandler<TState>);
      return builder;
    },
    get: (eventType) => handlers.get(eventType),
    get eventTypes() {
      return [...handlers.keys()];
    },
  };
  return builder;
}

/**
 * An aggregate whose `evolve` is a table of handlers per event type. An event with no handler
 * throws {@link UnhandledEventError} unless `unhandledEvents` is `'ignore'`.
 */
export abstract class DeclarativeAggregate<TState> extends AggregateRoot<TState> {
  protected abstract readonly handlers: AggregateHandlers<TState>;
  protected readonly unhandledEvents: 'ignore' | 'error' = 'error';

  protected evolve(state: TState, event: DomainEvent): TState {
    const handler = this.handlers.get(event.eventType);
    if (handler !== undefined) return handler(state, event);
    if (this.unhandledEvents === 'error') {
      throw new UnhandledEventError(`${this.aggregateType} has no handler for ${event.eventType}`);
    }
    return state;
  }
}
