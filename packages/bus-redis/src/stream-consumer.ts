import type { Redis } from 'ioredis';
import { sleep, type Logger } from '@eventsource/core';
import { InFlight, outsideCallerTrace } from '@eventsource/core/kit';
import { replyCode } from './errors.ts';
import type { RedisConnections } from './redis-connections.ts';
import { autoClaimReply, readReplyEntries, type StreamEntry } from './stream-entries.ts';

export interface StreamConsumerConfig {
  readonly connections: RedisConnections;
  /** The streams this member reads, all with the same group. */
  readonly streams: readonly string[];
  readonly group: string;
  readonly consumer: string;
  readonly batchSize: number;
  readonly blockMs: number;
  readonly pendingIdleMs: number;
  readonly claimIntervalMs: number;
  readonly logger: Logger;
  /** Aborted when consumption stops: no new reads, back-off waits end. */
  readonly signal: AbortSignal;
  /**
   * Handles one entry. Resolving acknowledges it; rejecting leaves it pending, for this member
   * after a reconnect or restart, or for any member once it was idle `pendingIdleMs`.
   */
  handle(entry: StreamEntry, signal: AbortSignal): Promise<unknown>;
  /** `handle` rejected with `error`: the entry stays pending. */
  leftPending(entry: StreamEntry, error: unknown): void;
  /** A failing read, acknowledgement or claim (the loop goes on after a pause). */
  failed(error: unknown, operation: string): void;
  /** This member took over entries another member (or an earlier run of itself) left pending. */
  claimed(count: number): void;
}

const BUSY_GROUP = 'BUSYGROUP';
const NO_GROUP = 'NOGROUP';

/** Creates `group` on each stream (and the stream itself) from its first entry, unless it exists. */
export async function ensureGroups(command: Redis, streams: readonly string[], group: string): Promise<void> {
  for (const stream of streams) {
    try {
      await command.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM');
    } catch (error) {
      if (replyCode(error) !== BUSY_GROUP) throw error;
    }
  }
}

/**
 * One member's read loop: `XREADGROUP ... BLOCK` for new entries on its own connection, first its
 * own pending entries (at start and after every reconnect: a read whose answer was lost leaves
 * entries delivered to this name), and every `claimIntervalMs` an `XAUTOCLAIM` of entries idle for
 * `pendingIdleMs` (a dead member's, or its own that failed). Entries of a batch are handled one
 * after the other and acknowledged right after (see `#acknowledgeSoon`).
 */
export class StreamConsumer {
  readonly #config: StreamConsumerConfig;
  readonly #reader: Redis;
  readonly #inFlight = new InFlight();
  readonly #claimCursors = new Map<string, string>();
  /** Where reading this member's own pending entries goes on, per stream; empty once done. */
  readonly #ownPending = new Map<string, string>();
  readonly #unacknowledged = new Map<string, string[]>();
  #flushTimer: NodeJS.Immediate | undefined;
  readonly #flushing = new Set<Promise<void>>();
  #current: StreamEntry | undefined;
  #currentSince = 0;
  /** `XREADGROUP`'s arguments up to the ids, and the whole of them for new entries (`>`). */
  readonly #readPrefix: readonly string[];
  readonly #readNew: string[]; // ioredis copies the arguments it is given

  constructor(config: StreamConsumerConfig) {
    this.#config = config;
    const { streams, group, consumer, batchSize, blockMs } = config;
    this.#readPrefix = [
      'GROUP',
      group,
      consumer,
      'COUNT',
      String(batchSize),
      'BLOCK',
      String(blockMs),
      'STREAMS',
      ...streams,
    ];
    this.#readNew = [...this.#readPrefix, ...streams.map(() => '>')];
    this.#reader = config.connections.reader();
    this.#reader.on('ready', () => this.#readOwnPendingFirst());
    this.#readOwnPendingFirst();
  }

  /** Creates the groups and opens the reading connection, then starts the loop. */
  async start(): Promise<void> {
    const { connections, streams, group } = this.#config;
    await ensureGroups(connections.command(), streams, group);
    await this.#reader.connect();
    // The loop lives as long as the consumer: run it in no trace, so neither its reads nor an
    // instrumentation's spans of them hang under whatever span called startConsuming.
    const loop = outsideCallerTrace(() => this.#run());
    void this.#inFlight.track(loop);
  }

  /**
   * Ends the loop once `signal` aborted: the blocking read is cut off, the entry being handled
   * finishes (up to `timeoutMs`), handled entries are acknowledged. Entries received and not yet
   * handled stay pending. Resolves false on timeout.
   */
  stop(timeoutMs: number): Promise<boolean> {
    this.#config.connections.release(this.#reader);
    return this.#inFlight.drain(timeoutMs);
  }

  async #run(): Promise<void> {
    const { signal } = this.#config;
    const keepAlive = setInterval(
      () => this.#keepCurrentClaimed(),
      Math.max(1, Math.floor(this.#config.pendingIdleMs / 4)),
    );
    keepAlive.unref();
    try {
      await this.#loop(signal);
    } finally {
      clearInterval(keepAlive);
      this.#flushSoon();
      await Promise.all(this.#flushing);
    }
  }

  async #loop(signal: AbortSignal): Promise<void> {
    let nextClaimAt = Date.now() + this.#config.claimIntervalMs;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (Date.now() >= nextClaimAt) {
          await this.#claim(signal);
          nextClaimAt = Date.now() + this.#config.claimIntervalMs;
        }
        if (signal.aborted) break;
        await this.#read(signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        if (replyCode(error) === NO_GROUP) {
          // The stream or group vanished (deleted, or a server restarted without persistence).
          this.#config.logger.warn(
            { group: this.#config.group },
            'Consumer group missing; creating it again',
          );
          await ensureGroups(
            this.#config.connections.command(),
            this.#config.streams,
            this.#config.group,
          ).catch((reason: unknown) => this.#config.failed(reason, 'create consumer group'));
        } else {
          this.#config.failed(error, 'read');
        }
        await sleep(Math.min(50 * 2 ** failures, 2_000), signal);
      }
    }
  }

  #readOwnPendingFirst(): void {
    for (const stream of this.#config.streams) this.#ownPending.set(stream, '0');
  }

  /**
   * Reads new entries (`>`), or while some of this member's own pending entries are unread, those
   * (from the cursor on: one that fails again stays pending and is not read in a loop; the
   * idle-time claim brings it back).
   */
  async #read(signal: AbortSignal): Promise<void> {
    const ownPending = this.#ownPending.size > 0;
    const reply = await this.#reader.call(
      'XREADGROUP',
      ownPending
        ? [...this.#readPrefix, ...this.#config.streams.map((stream) => this.#ownPending.get(stream) ?? '0')]
        : this.#readNew,
    );
    const entries = readReplyEntries(reply);
    if (ownPending) {
      this.#ownPending.clear();
      for (const entry of entries) this.#ownPending.set(entry.stream, entry.id);
    }
    await this.#handleBatch(entries, signal);
  }

  async #claim(signal: AbortSignal): Promise<void> {
    const { connections, streams, group, consumer, pendingIdleMs, batchSize } = this.#config;
    for (const stream of streams) {
      const reply = await connections
        .command()
        .call(
          'XAUTOCLAIM',
          stream,
          group,
          consumer,
          String(pendingIdleMs),
          this.#claimCursors.get(stream) ?? '0-0',
          'COUNT',
          String(batchSize),
        );
      const { next, entries } = autoClaimReply(stream, reply);
      this.#claimCursors.set(stream, next);
      if (entries.length > 0) {
        this.#config.claimed(entries.length);
        this.#config.logger.info(
          { stream, group, consumer, count: entries.length },
          'Took over entries left pending by a member',
        );
      }
      await this.#handleBatch(entries, signal);
    }
  }

  async #handleBatch(entries: readonly StreamEntry[], signal: AbortSignal): Promise<void> {
    for (const entry of entries) {
      if (signal.aborted) break;
      this.#current = entry;
      this.#currentSince = performance.now();
      try {
        if (entry.fields !== undefined) await this.#config.handle(entry, signal);
      } catch (error) {
        this.#config.leftPending(entry, error);
        continue;
      } finally {
        this.#current = undefined;
      }
      this.#acknowledgeSoon(entry);
    }
    // Sent without waiting for the answer: the next read goes out at once on the other connection.
    this.#flushSoon();
  }

  /**
   * While an entry is handled (retries and their back-off included) for more than a quarter of
   * `pendingIdleMs`, resets its idle time every quarter, so no other member takes it over from a
   * live member. The claim needs the entry idle for a fifth of `pendingIdleMs`: an entry another
   * member has just taken over is left to it. One timer per consumer, not per entry.
   */
  #keepCurrentClaimed(): void {
    const { connections, group, consumer, pendingIdleMs } = this.#config;
    const quarter = Math.max(1, Math.floor(pendingIdleMs / 4));
    const current = this.#current;
    if (current === undefined || performance.now() - this.#currentSince < quarter) return;
    void Promise.resolve()
      .then(() =>
        connections
          .command()
          .call(
            'XCLAIM',
            current.stream,
            group,
            consumer,
            String(Math.floor(pendingIdleMs / 5)),
            current.id,
            'JUSTID',
          ),
      )
      .catch((error: unknown) => this.#config.failed(error, 'keep an entry claimed'));
  }

  /**
   * Queues the `XACK` of a handled entry. Queued ones go out together at the end of the current
   * turn of the event loop (or of the batch): fast handlers cost one `XACK` per batch, slow ones
   * get each entry acknowledged right after it, so a crash redelivers as little as possible.
   */
  #acknowledgeSoon(entry: StreamEntry): void {
    const ids = this.#unacknowledged.get(entry.stream) ?? [];
    ids.push(entry.id);
    this.#unacknowledged.set(entry.stream, ids);
    this.#flushTimer ??= setImmediate(() => this.#flushSoon());
  }

  /** Sends the queued acknowledgements now; the answers are awaited when the loop ends. */
  #flushSoon(): void {
    if (this.#flushTimer !== undefined) clearImmediate(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const [stream, ids] of this.#unacknowledged) {
      const acknowledged = this.#acknowledge(stream, ids);
      this.#flushing.add(acknowledged);
      void acknowledged.then(() => this.#flushing.delete(acknowledged));
    }
    this.#unacknowledged.clear();
  }

  /** Never rejects: a failure is reported, and the entries are delivered again (at least once). */
  async #acknowledge(stream: string, ids: readonly string[]): Promise<void> {
    try {
      await this.#config.connections.command().call('XACK', [stream, this.#config.group, ...ids]);
    } catch (error) {
      // Unacknowledged entries are delivered again: at least once.
      this.#config.failed(error, 'acknowledge');
    }
  }
}
