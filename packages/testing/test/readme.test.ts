import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AggregateRepository,
  aggregateHandlers,
  DeclarativeAggregate,
  defineEvent,
  EventRegistry,
  InMemoryEventStore,
} from '@eventsource/core';
import { aggregateScenario, captureTelemetry, isChildOf, type TelemetryCapture } from '../src/index.ts';

const registry = new EventRegistry();
const Opened = registry.register(defineEvent<{ owner: string }>('Opened', { aggregateType: 'Account' }));

class Account extends DeclarativeAggregate<{ owner: string }> {
  readonly aggregateType = 'Account';
  protected readonly handlers = aggregateHandlers<{ owner: string }>().on(Opened, (_state, event) => ({
    owner: event.data.owner,
  }));
  protected getInitialState() {
    return { owner: '' };
  }
  open(owner: string): void {
    this.raiseEvent(Opened, { owner });
  }
}

describe('README usage example', () => {
  let telemetry: TelemetryCapture;
  beforeAll(() => {
    telemetry = captureTelemetry();
  });
  afterAll(() => telemetry.shutdown());

  it('opens an account', async () => {
    await aggregateScenario(Account)
      .when((account) => account.open('ada'))
      .then([Opened, { owner: 'ada' }]);
  });

  it('traces the save', async () => {
    const accounts = new AggregateRepository({
      eventStore: new InMemoryEventStore({ eventRegistry: registry }),
      aggregateFactory: Account,
    });
    const account = accounts.createNew('acc-1');
    account.open('ada');
    await accounts.save(account);
    expect(
      isChildOf(
        telemetry.span('in_memory_event_store.append_events'),
        telemetry.span('eventsource.repository.save'),
      ),
    ).toBe(true);
  });
});
