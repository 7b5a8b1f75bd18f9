import {
  aggregateHandlers,
  DeclarativeAggregate,
  defineEvent,
  EventRegistry,
  type DomainEvent,
} from '@eventsource/core';

/** The aggregate type of every benchmark stream. */
export const AGGREGATE_TYPE = 'BenchStream';

/** The payload of Emmett's benchmark event, so figures compare with theirs. */
export interface DidSomethingData {
  readonly id: number;
  readonly description: string;
}

export const DidSomething = defineEvent<DidSomethingData, 'DidSomething'>('DidSomething', {
  aggregateType: AGGREGATE_TYPE,
});

export const payload = (index: number): DidSomethingData => ({ id: index, description: 'something weird' });

export function benchRegistry(): EventRegistry {
  const registry = new EventRegistry();
  registry.register(DidSomething);
  return registry;
}

/** `count` events of a new stream, versions 1..count. */
export function streamEvents(aggregateId: string, count: number, firstVersion = 1): DomainEvent[] {
  return Array.from({ length: count }, (_, index) =>
    DidSomething.create(payload(index), { aggregateId, aggregateVersion: firstVersion + index }),
  );
}

/** The state the benchmark aggregate folds: a trivial `evolve`, so loads measure reading. */
export interface CounterState {
  readonly count: number;
  readonly lastId: number;
}

/** The raw side's fold: the same as the aggregate's handler. */
export function evolveCounter(state: CounterState, data: DidSomethingData): CounterState {
  return { count: state.count + 1, lastId: data.id };
}

const handlers = aggregateHandlers<CounterState>().on(DidSomething, (state, event) =>
  evolveCounter(state, event.data),
);

export class BenchAggregate extends DeclarativeAggregate<CounterState> {
  readonly aggregateType = AGGREGATE_TYPE;
  protected readonly handlers = handlers;
  protected getInitialState(): CounterState {
    return { count: 0, lastId: 0 };
  }
}
