import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { EventRegistry } from '@eventsource/core';
import { KafkaEventBus } from '@eventsource/bus-kafka';
import { BusMessage, busKey, busMessages, type BusDriver, type BusPayload } from './bus-driver.ts';

const { Kafka, Partitioners, CompressionTypes, logLevel } = kafkajs;

/** What both Kafka drivers share, so the comparison is like for like. */
export interface KafkaBenchSettings {
  readonly brokers: readonly string[];
  readonly partitions: number;
  /** -1: every in-sync replica acknowledges (the library's default, `all`). */
  readonly acks: -1;
  /** The consumer's longest fetch wait. */
  readonly maxWaitTimeMs: number;
  readonly heartbeatIntervalMs: number;
  readonly sessionTimeoutMs: number;
}

function describe(settings: KafkaBenchSettings): Record<string, string | number> {
  return {
    acks: settings.acks,
    compression: 'none',
    partitions: settings.partitions,
    maxWaitTimeMs: settings.maxWaitTimeMs,
    partitionsConsumedConcurrently: 1,
    autoCommit: 'kafkajs default',
  };
}

/** The library: `KafkaEventBus.publish` of events, a subscribed handler (tracing off). */
export class KafkaEventBusDriver implements BusDriver {
  readonly name = 'library';
  readonly settings: Readonly<Record<string, string | number>>;
  readonly #config: KafkaBenchSettings;
  readonly #registry = new EventRegistry();
  #listener: (sentAt: number) => void = () => undefined;
  #bus: KafkaEventBus | undefined;
  #admin: Admin | undefined;

  constructor(config: KafkaBenchSettings) {
    this.#config = config;
    this.settings = describe(config);
    this.#registry.register(BusMessage);
  }

  onHandled(listener: (sentAt: number) => void): void {
    this.#listener = listener;
  }

  async setup(runId: string): Promise<void> {
    const prefix = `${runId}-library`;
    this.#bus = new KafkaEventBus({
      bootstrapServers: [...this.#config.brokers],
      topicPrefix: prefix,
      consumerGroup: prefix,
      registry: this.#registry,
      acks: 'all',
      compressionType: 'none',
      numPartitions: this.#config.partitions,
      maxWaitTimeMs: this.#config.maxWaitTimeMs,
      heartbeatIntervalMs: this.#config.heartbeatIntervalMs,
      sessionTimeoutMs: this.#config.sessionTimeoutMs,
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
    this.#admin = new Kafka({ brokers: [...this.#config.brokers], logLevel: logLevel.NOTHING }).admin();
    await deleteTopicsAndGroup(this.#admin, [bus.topicName, bus.dlqTopicName], bus.consumerGroup);
  }
}

/**
 * What one writes by hand with kafkajs: a producer sending JSON messages keyed by aggregate id with
 * an `event_type` header, and a consumer parsing them in `eachMessage`.
 */
export class RawKafkaDriver implements BusDriver {
  readonly name = 'raw';
  readonly settings: Readonly<Record<string, string | number>>;
  readonly #config: KafkaBenchSettings;
  #listener: (sentAt: number) => void = () => undefined;
  #topic = '';
  #group = '';
  #admin: Admin | undefined;
  #producer: Producer | undefined;
  #consumer: Consumer | undefined;

  constructor(config: KafkaBenchSettings) {
    this.#config = config;
    this.settings = describe(config);
  }

  onHandled(listener: (sentAt: number) => void): void {
    this.#listener = listener;
  }

  async setup(runId: string): Promise<void> {
    this.#topic = `${runId}-raw.stream`;
    this.#group = `${runId}-raw`;
    const kafka = new Kafka({
      clientId: `${runId}-raw`,
      brokers: [...this.#config.brokers],
      logLevel: logLevel.NOTHING,
    });
    this.#admin = kafka.admin();
    await this.#admin.connect();
    await this.#admin.createTopics({
      topics: [{ topic: this.#topic, numPartitions: this.#config.partitions }],
      waitForLeaders: true,
    });
    this.#producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await this.#producer.connect();
    this.#consumer = kafka.consumer({
      groupId: this.#group,
      maxWaitTimeInMs: this.#config.maxWaitTimeMs,
      heartbeatInterval: this.#config.heartbeatIntervalMs,
      sessionTimeout: this.#config.sessionTimeoutMs,
    });
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: [this.#topic], fromBeginning: true });
    const joined = new Promise<void>((resolve) => {
      this.#consumer!.on(this.#consumer!.events.GROUP_JOIN, () => resolve());
    });
    await this.#consumer.run({
      eachMessage: async ({ message }) => {
        const body = JSON.parse(message.value!.toString()) as { data: BusPayload };
        this.#listener(body.data.sentAt);
      },
    });
    await joined;
  }

  async publishBatch(count: number, firstIndex: number): Promise<void> {
    const messages = new Array(count);
    for (let offset = 0; offset < count; offset += 1) {
      const index = firstIndex + offset;
      const key = busKey(index);
      const body = {
        eventId: randomUUID(),
        eventType: 'BenchMessage',
        aggregateId: key,
        occurredAt: new Date().toISOString(),
        data: { id: index, description: 'something weird', sentAt: performance.now() },
      };
      messages[offset] = { key, value: JSON.stringify(body), headers: { event_type: 'BenchMessage' } };
    }
    await this.#producer!.send({
      topic: this.#topic,
      messages,
      acks: this.#config.acks,
      compression: CompressionTypes.None,
    });
  }

  async teardown(): Promise<void> {
    await this.#consumer?.disconnect().catch(() => undefined);
    await this.#producer?.disconnect().catch(() => undefined);
    if (this.#admin !== undefined) await deleteTopicsAndGroup(this.#admin, [this.#topic], this.#group);
    this.#consumer = undefined;
    this.#producer = undefined;
    this.#admin = undefined;
  }
}

async function deleteTopicsAndGroup(admin: Admin, topics: readonly string[], group: string): Promise<void> {
  try {
    await admin.connect();
    await admin.deleteGroups([group]).catch(() => undefined);
    const existing = new Set(await admin.listTopics());
    const doomed = topics.filter((topic) => existing.has(topic));
    if (doomed.length > 0)
      await admin.deleteTopics({ topics: doomed, timeout: 10_000 }).catch(() => undefined);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
