import type { Admin } from 'kafkajs';

/** One assigned partition's lag, as the `kafka.eventbus.consumer.lag` gauge reports it. */
export interface LagReading {
  readonly partition: number;
  readonly lag: number;
}

/**
 * Consumer lag per assigned partition: the partition's high watermark minus this member's position
 * (the next offset it will process). The position is what this process has processed; before it
 * processed anything in a partition, the group's committed offset (or, with none, where the group
 * starts reading). Readings are cached so metric collections do not hammer the broker.
 */
export class ConsumerLagTracker {
  readonly #topic: string;
  readonly #groupId: string;
  readonly #fromBeginning: boolean;
  readonly #maxAgeMs: number;
  readonly #admin: () => Promise<Admin | undefined>;
  #assigned: readonly number[] = [];
  /** Partitions this member reported lag for; once revoked they read 0 (see {@link readings}). */
  readonly #reported = new Set<number>();
  /** Last processed offset per partition, kept as kafkajs' string (no parsing per message). */
  readonly #processed = new Map<number, string>();
  #cached: readonly LagReading[] = [];
  #cachedAt = 0;
  #refreshing: Promise<readonly LagReading[]> | undefined;

  constructor(options: {
    topic: string;
    groupId: string;
    fromBeginning: boolean;
    maxAgeMs: number;
    admin: () => Promise<Admin | undefined>;
  }) {
    this.#topic = options.topic;
    this.#groupId = options.groupId;
    this.#fromBeginning = options.fromBeginning;
    this.#maxAgeMs = options.maxAgeMs;
    this.#admin = options.admin;
  }

  /** The partitions of the topic the group gave this member (from a group join). */
  assign(partitions: readonly number[]): void {
    this.#assigned = [...partitions].sort((left, right) => left - right);
    for (const partition of this.#processed.keys()) {
      if (!this.#assigned.includes(partition)) this.#processed.delete(partition);
    }
    this.#cachedAt = 0;
  }

  /** Records that `offset` of `partition` is done: the position moves past it. */
  processed(partition: number, offset: string): void {
    this.#processed.set(partition, offset);
  }

  #revokedReadings(): LagReading[] {
    return [...this.#reported]
      .filter((partition) => !this.#assigned.includes(partition))
      .map((partition) => ({ partition, lag: 0 }));
  }

  /** Consumption stopped: no partitions, so every partition reported before now reads 0. */
  clear(): void {
    this.#assigned = [];
    this.#processed.clear();
    this.#cached = [];
    this.#cachedAt = 0;
  }

  /**
   * Lag per assigned partition, refreshed from the broker when the cached reading is too old.
   * Partitions a rebalance took away read 0: the OpenTelemetry SDK keeps reporting the last value
   * of every attribute set a gauge ever observed, so a revoked partition would otherwise show its
   * old lag for ever; its new owner reports the real value.
   */
  readings(): Promise<readonly LagReading[]> {
    if (this.#assigned.length === 0) return Promise.resolve(this.#revokedReadings());
    if (performance.now() - this.#cachedAt < this.#maxAgeMs && this.#cachedAt !== 0)
      return Promise.resolve(this.#cached);
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<readonly LagReading[]> {
    const admin = await this.#admin();
    if (admin === undefined) return this.#cached;
    try {
      const assigned = this.#assigned;
      const [watermarks, committed] = await Promise.all([
        admin.fetchTopicOffsets(this.#topic),
        this.#processed.size === assigned.length
          ? Promise.resolve([])
          : admin.fetchOffsets({ groupId: this.#groupId, topics: [this.#topic] }),
      ]);
      const committedOffsets = new Map<number, bigint>();
      for (const topic of committed) {
        for (const entry of topic.partitions) committedOffsets.set(entry.partition, BigInt(entry.offset));
      }
      const readings: LagReading[] = [];
      for (const partition of assigned) {
        const watermark = watermarks.find((entry) => entry.partition === partition);
        if (watermark === undefined) continue;
        const high = BigInt(watermark.high);
        const low = BigInt(watermark.low);
        const stored = committedOffsets.get(partition) ?? -1n;
        const processed = this.#processed.get(partition);
        const position =
          processed !== undefined
            ? BigInt(processed) + 1n
            : stored >= 0n
              ? stored
              : this.#fromBeginning
                ? low
                : high;
        readings.push({ partition, lag: Number(high > position ? high - position : 0n) });
      }
      for (const reading of readings) this.#reported.add(reading.partition);
      this.#cached = [...readings, ...this.#revokedReadings()];
      this.#cachedAt = performance.now();
      return this.#cached;
    } catch {
      // A failed refresh keeps the last reading: a metrics collection must not fail with the broker.
      return this.#cached;
    }
  }
}
