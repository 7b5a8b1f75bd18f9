import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { EventRegistry } from '@eventsource/core';
import { RedisEventBus } from '@eventsource/bus-redis';
import { BusMessage, busKey, busMessages, type BusDriver, type BusPayload } from './bus-driver.ts';

/** What both Redis drivers share, so the comparison is like for like. */
export interface RedisBenchSettings {
  readonly redisUrl: string;
  /** Entries per XREADGROUP (COUNT). */
  readonly readCount: number;
  /** How long one XREADGROUP blocks. */
  readonly blockMs: number;
}

function describe(settings: RedisBenchSettings): Record<string, string | number> {
  return { readCount: settings.readCount, blockMs: settings.blockMs, trimming: 'none', persistence: 'none' };
}

async function deleteKeys(redisUrl: string, pattern: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(pattern);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** The library: `RedisEventBus.publish` of events, a subscribed handler (tracing off). */
export class RedisEventBusDriver implements BusDriver {
  readonly name = 'library';
  readonly settings: Readonly<Record<string, string | number>>;
  readonly #config: RedisBenchSettings;
  readonly #registry = new EventRegistry();
  #listener: (sentAt: number) => void = () => undefined;
  #bus: RedisEventBus | undefined;
  #prefix = '';

  constructor(config: RedisBenchSettings) {
    this.#config = config;
    this.settings = describe(config);
    this.#registry.register(BusMessage);
  }

  onHandled(listener: (sentAt: number) => void): void {
    this.#listener = listener;
  }

  async setup(runId: string): Promise<void> {
    this.#prefix = `${runId}-library`;
    this.#bus = new RedisEventBus({
      redisUrl: this.#config.redisUrl,
      streamPrefix: this.#prefix,
      consumerGroup: this.#prefix,
      registry: this.#registry,
      batchSize: this.#config.readCount,
      blockMs: this.#config.blockMs,
      shutdownTimeoutMs: 5000,
      enableTracing: false,
    });
    this.#bus.subscribe(BusMessage, (event) => this.#listener((event.data as BusPayload).sentAt));
    await this.#bus.startConsuming();
  }

  async publishBatch(count: number, firstIndex: number): Promise<void> {
    await this.#bus!.publish(busMessages(count, firstIndex));
  }

  async teardown(): Promise<void> {
    const bus = this.#bus;
    this.#bus = undefined;
    if (bus !== undefined) await bus.close();
    if (this.#prefix !== '') await deleteKeys(this.#config.redisUrl, `${this.#prefix}:*`);
  }
}

/**
 * What one writes by hand with ioredis: a pipelined `XADD` per batch of JSON entries with an
 * `event_type` field, and a consumer-group loop (`XREADGROUP ... BLOCK` on its own connection)
 * parsing each entry and acknowledging the batch with one `XACK`.
 */
export class RawRedisDriver implements BusDriver {
  readonly name = 'raw';
  readonly settings: Readonly<Record<string, string | number>>;
  readonly #config: RedisBenchSettings;
  #listener: (sentAt: number) => void = () => undefined;
  #stream = '';
  #group = '';
  #commands: Redis | undefined;
  #reader: Redis | undefined;
  #loop: Promise<void> | undefined;
  #running = false;

  constructor(config: RedisBenchSettings) {
    this.#config = config;
    this.settings = describe(config);
  }

  onHandled(listener: (sentAt: number) => void): void {
    this.#listener = listener;
  }

  async setup(runId: string): Promise<void> {
    this.#stream = `${runId}-raw:stream`;
    this.#group = `${runId}-raw`;
    this.#commands = new Redis(this.#config.redisUrl);
    this.#reader = new Redis(this.#config.redisUrl, { maxRetriesPerRequest: null });
    await this.#commands.call('XGROUP', 'CREATE', this.#stream, this.#group, '0', 'MKSTREAM');
    await this.#reader.ping();
    this.#running = true;
    this.#loop = this.#consume();
  }

  async #consume(): Promise<void> {
    const reader = this.#reader!;
    const commands = this.#commands!;
    while (this.#running) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = (await reader.xreadgroup(
          'GROUP',
          this.#group,
          'consumer',
          'COUNT',
          this.#config.readCount,
          'BLOCK',
          this.#config.blockMs,
          'STREAMS',
          this.#stream,
          '>',
        )) as [string, [string, string[]][]][] | null;
      } catch {
        return;
      }
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) continue;
      const ids: string[] = [];
      for (const [id, fields] of entries) {
        const payload = fields[fields.indexOf('payload') + 1]!;
        const body = JSON.parse(payload) as { data: BusPayload };
        this.#listener(body.data.sentAt);
        ids.push(id);
      }
      await commands.xack(this.#stream, this.#group, ...ids);
    }
  }

  async publishBatch(count: number, firstIndex: number): Promise<void> {
    const pipeline = this.#commands!.pipeline();
    for (let offset = 0; offset < count; offset += 1) {
      const index = firstIndex + offset;
      const body = {
        eventId: randomUUID(),
        eventType: 'BenchMessage',
        aggregateId: busKey(index),
        occurredAt: new Date().toISOString(),
        data: { id: index, description: 'something weird', sentAt: performance.now() },
      };
      pipeline.xadd(this.#stream, '*', 'payload', JSON.stringify(body), 'event_type', 'BenchMessage');
    }
    const results = (await pipeline.exec()) ?? [];
    const failure = results.find(([error]) => error !== null)?.[0];
    if (failure) throw failure;
  }

  async teardown(): Promise<void> {
    this.#running = false;
    this.#reader?.disconnect();
    await this.#loop;
    if (this.#commands !== undefined) {
      await this.#commands.del(this.#stream).catch(() => undefined);
      this.#commands.disconnect();
    }
    this.#reader = undefined;
    this.#commands = undefined;
  }
}
