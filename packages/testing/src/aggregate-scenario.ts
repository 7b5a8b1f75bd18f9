import { expect } from '@jest/globals';
import type { AggregateRoot, DomainEvent, EventDefinition } from '@eventsource/core';

export type GivenEvent = DomainEvent | readonly [EventDefinition<string, unknown>, unknown];

export interface AggregateScenario<TAggregate extends AggregateRoot<unknown>> {
  /** Events already in the aggregate's history, as events or `[definition, data]` pairs. */
  given(...events: GivenEvent[]): AggregateScenario<TAggregate>;
  /** The command under test. */
  when(command: (aggregate: TAggregate) => void | Promise<void>): AggregateScenario<TAggregate>;
  /** Asserts the events the command raised (type and data, in order). */
  then(
    ...expected: readonly (readonly [EventDefinition<string, unknown> | string, unknown])[]
  ): Promise<TAggregate>;
  /** Asserts the state after the command. */
  thenState(expected: unknown): Promise<TAggregate>;
  /** Asserts the command threw an error of this class (and raised nothing). */
  thenThrows(errorClass: abstract new (...args: never[]) => Error): Promise<void>;
}

/**
 * Given/when/then for aggregates: `scenario(Task, id).given([TaskCreated, {...}]).when((task) => task.complete()).then([TaskCompleted, {}])`.
 */
export function aggregateScenario<TAggregate extends AggregateRoot<unknown>>(
  aggregateClass: new (aggregateId: string) => TAggregate,
  aggregateId = 'scenario-aggregate',
): AggregateScenario<TAggregate> {
  const history: GivenEvent[] = [];
  let command: ((aggregate: TAggregate) => void | Promise<void>) | undefined;

  const run = async (): Promise<TAggregate> => {
    const aggregate = new aggregateClass(aggregateId);
    aggregate.loadFromHistory(
      history.map((given, index) =>
        Array.isArray(given)
          ? (given[0] as EventDefinition<string, unknown>).create(given[1], {
              aggregateId,
              aggregateType: aggregate.aggregateType,
              aggregateVersion: index + 1,
            })
          : (given as DomainEvent),
      ),
    );
    if (command !== undefined) await command(aggregate);
    return aggregate;
  };

  const scenario: AggregateScenario<TAggregate> = {
    given(...events) {
      history.push(...events);
      return scenario;
    },
    when(next) {
      command = next;
      return scenario;
    },
    async then(...expected) {
      const aggregate = await run();
      const actual = aggregate.pendingEvents.map((event) => [event.eventType, event.data]);
      expect(actual).toEqual(
        expected.map(([type, data]) => [typeof type === 'string' ? type : type.eventType, data]),
      );
      return aggregate;
    },
    async thenState(expected) {
      const aggregate = await run();
      expect(aggregate.state).toEqual(expected);
      return aggregate;
    },
    async thenThrows(errorClass) {
      await expect(run()).rejects.toBeInstanceOf(errorClass);
    },
  };
  return scenario;
}
