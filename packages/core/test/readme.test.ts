import { describe, expect, it, jest } from '@jest/globals';
import {
  AggregateRepository,
  aggregateHandlers,
  DeclarativeAggregate,
  defaultRegistry,
  defineEvent,
  InMemoryEventStore,
  registerEvent,
} from '../src/index.ts';
import { readmeExample } from '../../../tooling/config/readme-example.ts';

describe('README usage example', () => {
  it('runs as written', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    // README example, from here:
    const Deposited = registerEvent(
      defineEvent<{ amount: number }>('Deposited', { aggregateType: 'Account' }),
    );

    class Account extends DeclarativeAggregate<{ balance: number }> {
      readonly aggregateType = 'Account';
      protected readonly handlers = aggregateHandlers<{ balance: number }>().on(
        Deposited,
        (state, event) => ({ balance: state.balance + event.data.amount }),
      );
      protected getInitialState() {
        return { balance: 0 };
      }
      deposit(amount: number): void {
        this.raiseEvent(Deposited, { amount });
      }
    }

    const accounts = new AggregateRepository({
      eventStore: new InMemoryEventStore(),
      aggregateFactory: Account,
    });
    const account = accounts.createNew('acc-1');
    account.deposit(50);
    await accounts.save(account);
    console.log((await accounts.load('acc-1')).state.balance); // 50
    // README example, to here.
    expect(log).toHaveBeenCalledWith(50);
    log.mockRestore();
    defaultRegistry.unregister('Deposited');
  });

  it('is the code shown in the README', () => {
    const { readme, test } = readmeExample(
      new URL('../README.md', import.meta.url),
      new URL(import.meta.url),
    );
    expect(readme).toBe(test);
  });
});
