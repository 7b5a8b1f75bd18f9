// The event-bus contract's factory: the contract's scope becomes the stream prefix. Also loaded
// in a child process for the two-process trace case, so it reads the Redis address itself.
import type { ContractBusFactory } from '@eventsource/testing';
import { RedisEventBus } from '../src/index.ts';
import { redisUrl } from './support.ts';

export const createBus: ContractBusFactory = (options) =>
  new RedisEventBus({
    redisUrl,
    streamPrefix: options.scope,
    consumerGroup: options.consumerGroup,
    registry: options.registry,
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.retryBaseDelayMs === undefined ? {} : { retryBaseDelayMs: options.retryBaseDelayMs }),
    ...(options.tracerProvider === undefined ? {} : { tracerProvider: options.tracerProvider }),
    ...(options.meterProvider === undefined ? {} : { meterProvider: options.meterProvider }),
    blockMs: 200,
    pendingIdleMs: 2_000,
    retryJitter: 0,
    shutdownTimeoutMs: 5_000,
  });
