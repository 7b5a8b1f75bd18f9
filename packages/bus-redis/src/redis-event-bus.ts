import {
  LoggerNames,
  type DeadLetterInspection,
  type DeadLetterMessage,
  type DomainEvent,
  type EventBusCapabilities,
  type ReadDeadLettersOptions,
} from '@eventsource/core';
import {
  BrokerEventBus,
  isConsumptionStopped,
  withSendContext,
  type DeadLetter,
  type LagReading,
  type OutgoingMessage,
} from '@eventsource/core/kit';
import { SemanticAttributes, SpanNames } from '@eventsource/core/observability';
import {
  addDeadLetter,
  countDeadLetters,
  deadLetterMessage,
  PAYLOAD_FIELD,
  readDeadLetters,
  replayDeadLetters,
} from './dead-letter-stream.ts';
import { isConnectionError, translateRedisError } from './errors.ts';
import { readGroupLag } from './group-lag.ts';
import {
  resolveRedisOptions,
  type RedisEventBusOptions,
  type ResolvedRedisOptions,
} from './redis-event-bus-options.ts';
import { RedisConnections } from './redis-connections.ts';
import { StreamConsumer } from './stream-consumer.ts';
import type { StreamEntry } from './stream-entries.ts';
import { VERSION } from './version.ts';

const SCOPE = '@eventsource/bus-redis';
const SYSTEM = 'redis';

/**
 * An event bus over one Redis stream (`${streamPrefix}:stream`), on ioredis.
 *
 * - `publish` appends one entry per event with a pipelined `XADD` per `batchSize` events (a
 *   single event: one plain `XADD`) and resolves once Redis accepted every entry. Fields:
 *   `payload` (the encoded event), `event_type`, `event_id`, `aggregate_type` (`tenant_id`) and
 *   W3C `traceparent`/`tracestate` of the event's own publish span.
 * - Consumer groups: every group gets every event; the members of a group share the entries
 *   (`XREADGROUP`), each acknowledged (`XACK`) once handled or dead-lettered. Entries a member
 *   left pending for `pendingIdleMs` (it died) are taken over by another (`XAUTOCLAIM`).
 * - No per-aggregate order across the members of a group (see `capabilities`).
 * - Failures are retried in place with back-off, then dead-lettered to `${stream}_dlq` with the
 *   `dlq_*` reason fields; `replayDlq` hands a group's dead letters back to that group only.
 */
export class RedisEventBus extends BrokerEventBus<StreamEntry> implements DeadLetterInspection {
  /**
   * `perAggregateOrdering` is false: a stream's entries go to whichever member of the group asks
   * next, so two members can handle one aggregate's events at once, and an entry taken over after
   * a crash comes after later ones. A group with a single member handles entries in stream order,
   * except for taken-over and replayed ones.
   */
  readonly capabilities: EventBusCapabilities = {
    distributed: true,
    consumerGroups: true,
    perAggregateOrdering: false,
    deadLetters: true,
    dlqInspection: true,
    dlqReplay: true,
  };

  readonly #options: ResolvedRedisOptions;
  readonly #connections: RedisConnections;
  /** `XADD`'s arguments before the fields: the stream, the trimming, the id (`*`). */
  readonly #xaddPrefix: readonly string[];
  #consumer: StreamConsumer | undefined;

  constructor(options: RedisEventBusOptions = {}) {
    const resolved = resolveRedisOptions(options);
    super({
      busName: 'RedisEventBus',
      scope: SCOPE,
      version: VERSION,
      system: SYSTEM,
      loggerName: LoggerNames.busRedis,
      destination: resolved.stream,
      options: resolved,
      telemetry: options,
      consumeSpanName: SpanNames.eventBus.process,
      publishAttributes: {
        [SemanticAttributes.serverAddress]: resolved.serverAddress,
        [SemanticAttributes.serverPort]: resolved.serverPort,
      },
    });
    this.#options = resolved;
    const { stream, maxLength, approximateTrimming } = resolved;
    const trim =
      maxLength === undefined ? [] : ['MAXLEN', approximateTrimming ? '~' : '=', String(maxLength)];
    this.#xaddPrefix = [stream, ...trim, '*'];
    this.#connections = new RedisConnections(
      resolved.connection,
      resolved.redisAddress,
      this.metrics,
      this.logger,
    );
  }

  protected activeConnections(): number {
    return this.#connections.activeCount;
  }

  /** The stream every event goes to. */
  get streamName(): string {
    return this.#options.stream;
  }

  /** Where entries that cannot be handled go. */
  get dlqStreamName(): string {
    return this.#options.dlqStream;
  }

  get consumerGroup(): string {
    return this.#options.consumerGroup;
  }

  /** This member's name in its group. */
  get consumerName(): string {
    return this.#options.consumerName;
  }

  protected async publishEvents(events: readonly DomainEvent[]): Promise<void> {
    const { batchSize } = this.#options;
    for (let start = 0; start < events.length; start += batchSize)
      await this.publisher.publish(events.slice(start, start + batchSize), (messages, context) =>
        withSendContext(context, () => this.#append(messages)),
      );
  }

  async #append(messages: readonly OutgoingMessage[]): Promise<void> {
    const { stream } = this.#options;
    const command = this.#connections.command();
    if (messages.length === 1) {
      // One entry needs no pipeline (a single event is the common publish).
      try {
        await command.call('XADD', this.#xaddArguments(messages[0]!));
      } catch (error) {
        throw this.#translate(error, `XADD to ${stream}`);
      }
      return;
    }
    const pipeline = command.pipeline();
    for (const message of messages) pipeline.call('XADD', this.#xaddArguments(message));
    let results: [Error | null, unknown][];
    try {
      results = (await pipeline.exec()) ?? [];
    } catch (error) {
      throw this.#translate(error, `XADD of ${messages.length} entries to ${stream}`);
    }
    const failures = results.filter(([error]) => error !== null);
    if (failures.length > 0)
      throw this.#translate(
        failures[0]?.[0],
        `XADD to ${stream} (${failures.length} of ${messages.length} entries not accepted)`,
      );
  }

  /** `XADD`'s arguments for one entry: stream, trimming, `*`, then the payload and header fields. */
  #xaddArguments(message: OutgoingMessage): string[] {
    const args = [...this.#xaddPrefix, PAYLOAD_FIELD, message.value];
    for (const name in message.headers) args.push(name, message.headers[name]!);
    return args;
  }

  protected async startConsumer(): Promise<void> {
    const { stream, consumerGroup, consumerName } = this.#options;
    this.metrics.ensureRegistered();
    const consumer = new StreamConsumer({
      connections: this.#connections,
      streams: [stream, this.#options.replayStream(consumerGroup)],
      group: consumerGroup,
      consumer: consumerName,
      batchSize: this.#options.batchSize,
      blockMs: this.#options.blockMs,
      pendingIdleMs: this.#options.pendingIdleMs,
      claimIntervalMs: this.#options.claimIntervalMs,
      logger: this.logger,
      signal: this.stopSignal,
      handle: (entry, signal) => this.#process(entry, signal),
      leftPending: (entry, error) => this.#leftPending(entry, error),
      failed: (error, operation) => {
        this.metrics.connectionError(error);
        this.logger.warn(
          { operation, error: this.#translate(error, operation).message },
          `Redis ${operation} failed; carrying on`,
        );
      },
      claimed: () => this.metrics.rebalanced(),
    });
    try {
      await consumer.start();
    } catch (error) {
      await consumer.stop(0);
      this.metrics.connectionError(error);
      throw this.#translate(error, `create consumer group ${consumerGroup} on ${stream}`);
    }
    this.#consumer = consumer;
    this.metrics.rebalanced();
  }

  protected async stopConsumer(): Promise<void> {
    const consumer = this.#consumer;
    this.#consumer = undefined;
    if (consumer === undefined) return;
    const drained = await consumer.stop(this.#options.shutdownTimeoutMs);
    if (!drained)
      this.logger.warn(
        { timeout_ms: this.#options.shutdownTimeoutMs },
        'A handler was still running at the shutdown timeout; its entry stays pending and is delivered again',
      );
  }

  protected async closeClients(): Promise<void> {
    await this.#connections.close();
  }

  /** How many entries the DLQ stream holds (all groups'). */
  async dlqMessageCount(): Promise<number> {
    this.assertOpen();
    try {
      return await countDeadLetters(this.#connections.command(), this.#options.dlqStream);
    } catch (error) {
      throw this.#translate(error, `XLEN ${this.#options.dlqStream}`);
    }
  }

  /**
   * The oldest dead letters (all groups'; `dlq_consumer_group` tells whose), nothing removed. Redis
   * answers at once with what the DLQ holds, so `timeoutMs` is never waited for.
   */
  async readDlq(options: ReadDeadLettersOptions = {}): Promise<DeadLetterMessage[]> {
    this.assertOpen();
    const limit = options.limit ?? 100;
    try {
      const letters = await readDeadLetters(this.#connections.command(), this.#options.dlqStream, limit);
      return letters.map(deadLetterMessage);
    } catch (error) {
      throw this.#translate(error, `XRANGE ${this.#options.dlqStream}`);
    }
  }

  /**
   * Hands up to `limit` of this group's dead letters (oldest first) back to this group only: each
   * moves, in one `MULTI`, to `${stream}:replay:${group}`, which only this group's members read.
   * Other groups' dead letters stay. Resolves with how many moved.
   */
  async replayDlq(options: { readonly limit?: number } = {}): Promise<number> {
    this.assertOpen();
    const { dlqStream, consumerGroup } = this.#options;
    try {
      return await replayDeadLetters(
        this.#connections.command(),
        dlqStream,
        this.#options.replayStream(consumerGroup),
        consumerGroup,
        options.limit ?? 100,
      );
    } catch (error) {
      throw this.#translate(error, `replay from ${dlqStream}`);
    }
  }

  #process(entry: StreamEntry, signal: AbortSignal): Promise<unknown> {
    const fields = entry.fields ?? {};
    return this.pipeline.process(
      { value: fields[PAYLOAD_FIELD], headers: fields, destination: this.#options.stream },
      entry,
      signal,
    );
  }

  /** Why an entry was left unacknowledged (it is delivered again). */
  #leftPending(entry: StreamEntry, error: unknown): void {
    if (isConsumptionStopped(error))
      this.logger.debug({ entry_id: entry.id }, 'Stopped during a retry back-off; the entry stays pending');
    else
      this.logger.error(
        { entry_id: entry.id, error: this.#translate(error, 'dead-letter').message },
        'Could not dead-letter an entry; it stays pending and is delivered again',
      );
  }

  protected async deadLetter(letter: DeadLetter<StreamEntry>): Promise<void> {
    await addDeadLetter(this.#connections.command(), this.#options.dlqStream, letter);
  }

  /** The DLQ stream's length while consuming and connected (a collection never waits on a reconnect). */
  protected override async dlqSize(): Promise<number | undefined> {
    const command = this.#connections.command();
    if (this.#consumer === undefined || command.status !== 'ready') return undefined;
    return countDeadLetters(command, this.#options.dlqStream);
  }

  protected async lagReadings(): Promise<readonly LagReading[]> {
    const command = this.#connections.command();
    // While disconnected the reading would wait in the offline queue and stall the collection.
    if (this.#consumer === undefined || command.status !== 'ready') return [];
    const { stream, consumerGroup } = this.#options;
    const lag = await readGroupLag(command, stream, consumerGroup);
    if (lag === undefined) return [];
    return [{ lag: lag.pending + (lag.undelivered ?? 0) }];
  }

  #translate(error: unknown, operation: string): Error {
    const refused = this.#connections.refusedCredentials;
    const reason = refused !== undefined && isConnectionError(error) ? refused : error;
    return translateRedisError(reason, operation, this.#options.redisAddress, [
      this.#options.connection.password,
    ]);
  }
}
