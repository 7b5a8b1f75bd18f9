import type { EventBus, EventRegistry } from '@eventsource/core';
import { InvalidArgumentError } from '@eventsource/core';
import type { Settings } from './settings.ts';

export interface BusOptions {
  readonly settings: Settings;
  readonly registry: EventRegistry;
  /** The worker's consumer group; unused by a process that only publishes. */
  readonly consumerGroup: string;
}

/**
 * The buses full mode can run on, chosen by `DEMO_BUS`. Adding one is one entry: a function from
 * the settings to a bus that is not yet consuming. The order service only publishes through it (the
 * outbox relay's publisher); the worker subscribes and calls `startConsuming()`. Each bus package
 * (and its driver) is imported only when chosen, so embedded mode loads none of them.
 */
export const buses: Readonly<Record<string, (options: BusOptions) => Promise<EventBus>>> = {
  kafka: async ({ settings, registry, consumerGroup }) => {
    const { KafkaEventBus } = await import('@eventsource/bus-kafka');
    return new KafkaEventBus({
      bootstrapServers: settings.kafkaBrokers,
      topicPrefix: settings.destinationPrefix,
      consumerGroup,
      registry,
    });
  },
  rabbitmq: async ({ settings, registry, consumerGroup }) => {
    const { RabbitMQEventBus } = await import('@eventsource/bus-rabbitmq');
    return new RabbitMQEventBus({
      rabbitmqUrl: settings.rabbitmqUrl,
      exchangeName: settings.destinationPrefix,
      consumerGroup,
      registry,
      // One message at a time keeps each order's events in order (the default 10 are handled at once).
      prefetchCount: 1,
    });
  },
  redis: async ({ settings, registry, consumerGroup }) => {
    const { RedisEventBus } = await import('@eventsource/bus-redis');
    return new RedisEventBus({
      redisUrl: settings.redisUrl,
      streamPrefix: settings.destinationPrefix,
      consumerGroup,
      registry,
      // Bounds how long a stop waits for a blocking read to return (default 5 s).
      blockMs: 1000,
    });
  },
};

export async function createBus(options: BusOptions): Promise<EventBus> {
  const factory = buses[options.settings.bus];
  if (factory === undefined) {
    throw new InvalidArgumentError(
      `DEMO_BUS "${options.settings.bus}" is not one of: ${Object.keys(buses).join(', ')}`,
    );
  }
  return factory(options);
}
