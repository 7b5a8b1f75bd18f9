import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { EventRegistry } from '@eventsource/core';
import { RabbitMQEventBus } from '@eventsource/bus-rabbitmq';
import { BusMessage, busKey, busMessages, type BusDriver, type BusPayload } from './bus-driver.ts';

/** What both RabbitMQ drivers share, so the comparison is like for like. */
export interface RabbitMQBenchSettings {
  readonly rabbitmqUrl: string;
  /** Unacknowledged messages the consumer holds at once. */
  readonly prefetchCount: number;
}

const ROUTING_KEY = 'BenchBus.BenchMessage';

function describe(settings: RabbitMQBenchSettings): Record<string, string | number> {
  return {
    exchange: 'topic, durable',
    queue: 'classic, durable',
    delivery: 'persistent',
    confirms: 'publisher confirms, one batch in flight',
    prefetchCount: settings.prefetchCount,
    acks: 'manual, one per message',
  };
}

/** Deletes a run's exchanges and queues (names starting with `prefix`). */
async function deleteTopology(url: string, exchange: string, queues: readonly string[]): Promise<void> {
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    for (const queue of queues) await channel.deleteQueue(queue).catch(() => undefined);
    await channel.deleteExchange(exchange).catch(() => undefined);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** The library: `RabbitMQEventBus.publish` of events, a subscribed handler (tracing off). */
export class RabbitMQEventBusDriver implements BusDriver {
  readonly name = 'library';
  readonly settings: Readonly<Record<string, string | number>>;
  readonly #config: RabbitMQBenchSettings;
  readonly #registry = new EventRegistry();
  #listener: (sentAt: number) => void = () => undefined;
  #bus: RabbitMQEventBus | undefined;

  constructor(config: RabbitMQBenchSettings) {
    this.#config = config;
    this.settings = describe(config);
    this.#registry.register(BusMessage);
  }

  onHandled(listener: (sentAt: number) => void): void {
    this.#listener = listener;
  }

  async setup(runId: string): Promise<void> {
    this.#bus = new RabbitMQEventBus({
      rabbitmqUrl: this.#config.rabbitmqUrl,
      exchangeName: `${runId}-library`,
      consumerGroup: 'bench',
      registry: this.#registry,
      prefetchCount: this.#config.prefetchCount,
      shutdownTimeoutMs: 5000,
      enableTracing: false,
    });
    this.#bus.subscribe(BusMessage, (event) => this.#listener((event.data as BusPayload).sentAt));
    await this.#bus.connect();
    await this.#bus.startConsuming();
  }

  async publishBatch(count: number, firstIndex: number): Promise<void> {
    await this.#bus!.publish(busMessages(count, firstIndex));
  }

  async teardown(): Promise<void> {
    const bus = this.#bus;
    this.#bus = undefined;
    if (bus === undefined) return;
    await bus.close();
    await deleteTopology(this.#config.rabbitmqUrl, bus.exchangeName, [bus.queueName, bus.dlqQueueName]);
  }
}

/**
 * What one writes by hand with amqplib: a confirm channel publishing persistent JSON messages with
 * a routing key and an `event_type` header to a topic exchange, waiting for the batch's confirms,
 * and a consumer on a bound durable queue parsing each message and acknowledging it.
 */
export class RawRabbitMQDriver implements BusDriver {
  readonly name = 'raw';
  readonly settings: Readonly<Record<string, string | number>>;
  readonly #config: RabbitMQBenchSettings;
  #listener: (sentAt: number) => void = () => undefined;
  #exchange = '';
  #queue = '';
  #connections: ChannelModel[] = [];
  #publisher: ConfirmChannel | undefined;

  constructor(config: RabbitMQBenchSettings) {
    this.#config = config;
    this.settings = describe(config);
  }

  onHandled(listener: (sentAt: number) => void): void {
    this.#listener = listener;
  }

  async setup(runId: string): Promise<void> {
    this.#exchange = `${runId}-raw`;
    this.#queue = `${runId}-raw.bench`;
    const publishing = await amqplib.connect(this.#config.rabbitmqUrl);
    const consuming = await amqplib.connect(this.#config.rabbitmqUrl);
    this.#connections = [publishing, consuming];
    this.#publisher = await publishing.createConfirmChannel();
    await this.#publisher.assertExchange(this.#exchange, 'topic', { durable: true });
    const consumer = await consuming.createChannel();
    await consumer.assertQueue(this.#queue, { durable: true });
    await consumer.bindQueue(this.#queue, this.#exchange, '#');
    await consumer.prefetch(this.#config.prefetchCount);
    await consumer.consume(this.#queue, (message) => {
      if (message === null) return;
      const body = JSON.parse(message.content.toString('utf8')) as { data: BusPayload };
      this.#listener(body.data.sentAt);
      consumer.ack(message);
    });
  }

  async publishBatch(count: number, firstIndex: number): Promise<void> {
    const channel = this.#publisher!;
    for (let offset = 0; offset < count; offset += 1) {
      const index = firstIndex + offset;
      const key = busKey(index);
      const eventId = randomUUID();
      const body = {
        eventId,
        eventType: 'BenchMessage',
        aggregateId: key,
        occurredAt: new Date().toISOString(),
        data: { id: index, description: 'something weird', sentAt: performance.now() },
      };
      const writable = channel.publish(this.#exchange, ROUTING_KEY, Buffer.from(JSON.stringify(body)), {
        persistent: true,
        contentType: 'application/json',
        messageId: eventId,
        headers: { event_type: 'BenchMessage' },
      });
      if (!writable) await new Promise((resolve) => channel.once('drain', resolve));
    }
    await channel.waitForConfirms();
  }

  async teardown(): Promise<void> {
    for (const connection of this.#connections) await connection.close().catch(() => undefined);
    this.#connections = [];
    this.#publisher = undefined;
    if (this.#exchange !== '') await deleteTopology(this.#config.rabbitmqUrl, this.#exchange, [this.#queue]);
  }
}
