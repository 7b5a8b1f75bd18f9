import { KafkaEventBus } from '../src/index.ts';
import type { ContractBusFactory } from '@eventsource/testing';
import { testOptions } from './support.ts';

/** The event-bus contract's factory: the scope is the topic prefix. */
export const createBus: ContractBusFactory = ({ scope, consumerGroup, ...options }) =>
  new KafkaEventBus(testOptions(scope, { ...options, consumerGroup }));
