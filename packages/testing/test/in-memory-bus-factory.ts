import { InMemoryEventBus } from '@eventsource/core';
import type { ContractBusFactory } from '../src/index.ts';

/** The event-bus contract's factory for the in-memory bus (scope and group mean nothing in process). */
export const createBus: ContractBusFactory = ({ tracerProvider }) =>
  new InMemoryEventBus(tracerProvider === undefined ? {} : { tracerProvider });
