import { eventBusContract } from '../src/index.ts';

eventBusContract({
  name: 'InMemoryEventBus',
  capabilities: {
    distributed: false,
    consumerGroups: false,
    perAggregateOrdering: true,
    deadLetters: false,
    dlqInspection: false,
    dlqReplay: false,
  },
  factoryModule: new URL('./in-memory-bus-factory.ts', import.meta.url).href,
});
