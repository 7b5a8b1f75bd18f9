import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@eventsource/core';
import { resolveKafkaOptions } from '../src/index.ts';
import { kafkaClientConfig } from '../src/kafka-event-bus-options.ts';

describe('KafkaEventBus recovery options', () => {
  it('commits every 100 messages or 1 s and rides out a minute of broker outage by default', () => {
    const resolved = resolveKafkaOptions({});
    expect(resolved).toMatchObject({
      commitEveryMessages: 100,
      commitIntervalMs: 1_000,
      rebalanceTimeoutMs: 8_000,
      kafkajsRetry: { initialRetryTime: 300, maxRetryTime: 1_000, multiplier: 2, factor: 0.2, retries: 60 },
    });
    expect(kafkaClientConfig({}, resolved).retry).toEqual(resolved.kafkajsRetry);
  });

  it('derives the retry count from the tolerance and the longest back-off', () => {
    const resolved = resolveKafkaOptions({ brokerOutageToleranceMs: 10_000, reconnectBackoffMaxMs: 250 });
    expect(resolved.kafkajsRetry).toEqual({
      initialRetryTime: 250,
      maxRetryTime: 250,
      multiplier: 2,
      factor: 0.2,
      retries: 40,
    });
    expect(resolveKafkaOptions({ brokerOutageToleranceMs: 0 }).kafkajsRetry.retries).toBe(0);
  });

  it('leaves an explicit clientRetry as given, for the client and the consumer', () => {
    const clientRetry = { retries: 2, initialRetryTime: 100 };
    const options = { clientRetry, brokerOutageToleranceMs: 5_000 };
    const resolved = resolveKafkaOptions(options);
    expect(resolved.kafkajsRetry).toBe(clientRetry);
    expect(kafkaClientConfig(options, resolved).retry).toBe(clientRetry);
  });

  it('accepts a commit after every message', () => {
    expect(resolveKafkaOptions({ commitEveryMessages: 1, commitIntervalMs: 0 })).toMatchObject({
      commitEveryMessages: 1,
      commitIntervalMs: 0,
    });
  });

  it.each([
    ['commitEveryMessages', { commitEveryMessages: 0 }],
    ['commitEveryMessages', { commitEveryMessages: 2.5 }],
    ['commitIntervalMs', { commitIntervalMs: -1 }],
    ['brokerOutageToleranceMs', { brokerOutageToleranceMs: -1 }],
    ['reconnectBackoffMaxMs', { reconnectBackoffMaxMs: 0 }],
    ['reconnectBackoffMaxMs', { reconnectBackoffMaxMs: Number.NaN }],
  ])('rejects a bad %s with InvalidArgumentError', (name, options) => {
    expect(() => resolveKafkaOptions(options)).toThrow(InvalidArgumentError);
    expect(() => resolveKafkaOptions(options)).toThrow(name);
  });
});
