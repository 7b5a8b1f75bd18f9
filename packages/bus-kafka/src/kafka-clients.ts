import kafkajs from 'kafkajs';
import type { Admin, Consumer, InstrumentationEvent, Kafka, Producer } from 'kafkajs';
import { translateKafkaError } from './errors.ts';
import type { ResolvedKafkaOptions } from './kafka-event-bus-options.ts';
import { outsideCallerTrace, type EventBusMetrics } from '@eventsource/core/kit';

const { Partitioners } = kafkajs;

export type ClientRole = 'producer' | 'consumer' | 'admin';

/**
 * The bus's producer and admin client, connected on first use (once, shared by concurrent
 * callers), the topics created when missing, and the connection state of every client for the
 * `connections.active` gauge. The consumer is the bus's own; it is tracked here too.
 */
export class KafkaClients {
  readonly kafka: Kafka;
  readonly #options: ResolvedKafkaOptions;
  readonly #metrics: EventBusMetrics;
  readonly #connected = new Set<ClientRole>();
  #producer: Promise<Producer> | undefined;
  #admin: Promise<Admin> | undefined;
  #topicsReady: Promise<void> | undefined;

  constructor(kafka: Kafka, options: ResolvedKafkaOptions, metrics: EventBusMetrics) {
    this.kafka = kafka;
    this.#options = options;
    this.#metrics = metrics;
  }

  /** Clients currently connected. */
  get connectedCount(): number {
    return this.#connected.size;
  }

  /** A consumer kafkajs restarted after a crash reconnects without a CONNECT event: its group join says so. */
  markConnected(role: ClientRole): void {
    this.#connected.add(role);
  }

  producer(): Promise<Producer> {
    this.#producer ??= outsideCallerTrace(async () => {
      const producer = this.kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: true,
      });
      this.track(producer, 'producer');
      try {
        await this.ensureTopics();
        await producer.connect();
        return producer;
      } catch (error) {
        this.#producer = undefined;
        this.#metrics.connectionError(error);
        throw translateKafkaError(error, 'connect');
      }
    });
    return this.#producer;
  }

  admin(): Promise<Admin> {
    this.#admin ??= outsideCallerTrace(async () => {
      const admin = this.kafka.admin();
      this.track(admin, 'admin');
      try {
        await admin.connect();
        return admin;
      } catch (error) {
        this.#admin = undefined;
        this.#metrics.connectionError(error);
        throw translateKafkaError(error, 'connect admin');
      }
    });
    return this.#admin;
  }

  /** Creates the missing topics once per bus (a concurrent creator elsewhere is harmless). */
  ensureTopics(): Promise<void> {
    if (!this.#options.ensureTopics) return Promise.resolve();
    this.#topicsReady ??= (async () => {
      const { topic, dlqTopic, enableDlq, numPartitions, replicationFactor } = this.#options;
      const admin = await this.admin();
      const existing = new Set(await admin.listTopics());
      const missing = [topic, ...(enableDlq ? [dlqTopic] : [])].filter((name) => !existing.has(name));
      if (missing.length === 0) return;
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((name) => ({
          topic: name,
          ...(numPartitions === undefined ? {} : { numPartitions }),
          ...(replicationFactor === undefined ? {} : { replicationFactor }),
        })),
      });
    })().catch((error: unknown) => {
      this.#topicsReady = undefined;
      throw error;
    });
    return this.#topicsReady;
  }

  /** Follows a client's connection state and request timeouts for the metrics. */
  track(client: Producer | Consumer | Admin, role: ClientRole): void {
    const on = client.on.bind(client) as (
      event: string,
      listener: (event: InstrumentationEvent<unknown>) => void,
    ) => void;
    const events = client.events as unknown as Record<string, string>;
    on(events.CONNECT!, () => this.#connected.add(role));
    on(events.DISCONNECT!, () => this.#connected.delete(role));
    on(events.REQUEST_TIMEOUT!, (event) => {
      const { apiName } = (event.payload ?? {}) as { apiName?: string };
      const timeout = Object.assign(new Error(`Request ${apiName ?? ''} timed out`), {
        name: 'KafkaJSRequestTimeoutError',
      });
      this.#metrics.connectionError(timeout);
    });
  }

  /** Disconnects the producer and admin client, if they were created. */
  async close(): Promise<void> {
    const clients = [this.#producer, this.#admin].filter((client) => client !== undefined);
    this.#producer = undefined;
    this.#admin = undefined;
    await Promise.all(
      clients.map((client) =>
        client.then(
          (connected) => connected.disconnect(),
          () => undefined,
        ),
      ),
    );
  }
}
