// The event-bus contract's factory: the contract's scope becomes the exchange name. Also loaded in
// a child process for the two-process trace case, so it reads the broker address itself.
import type { ContractBusFactory } from '@eventsource/testing';
import { RabbitMQEventBus } from '../src/index.ts';
import { rabbitmqUrl } from './support.ts';

export const createBus: ContractBusFactory = (options) =>
  new RabbitMQEventBus({
    rabbitmqUrl,
    exchangeName: options.scope,
    consumerGroup: options.consumerGroup,
    registry: options.registry,
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.retryBaseDelayMs === undefined ? {} : { retryBaseDelayMs: options.retryBaseDelayMs }),
    ...(options.tracerProvider === undefined ? {} : { tracerProvider: options.tracerProvider }),
    ...(options.meterProvider === undefined ? {} : { meterProvider: options.meterProvider }),
    retryJitter: 0,
    reconnectDelayMs: 200,
    shutdownTimeoutMs: 5_000,
    lagRefreshIntervalMs: 0,
  });
