import { describe, expect, it } from '@jest/globals';
import type { Admin, EachMessagePayload, KafkaMessage } from 'kafkajs';
import { ComponentTracer } from '@eventsource/core/observability';
import { defineEvent, DLQReasons, EventRegistry, getLogger, type DomainEvent } from '@eventsource/core';
import { encodeEvent } from '@eventsource/core/kit';
import {
  EventBusMetrics,
  EventDispatcher,
  MessagePipeline,
  resolveEventBusOptions,
  type DeadLetter,
} from '@eventsource/core/kit';
import { ConsumerLagTracker } from '../src/consumer-lag.ts';
import {
  heartbeatingWait,
  KafkaMessageProcessor,
  type DeliveredKafkaMessage,
} from '../src/kafka-message-processor.ts';

const OrderCreated = defineEvent<{ total: number }, 'OrderCreated'>('OrderCreated', {
  aggregateType: 'Order',
});
const Unregistered = defineEvent<{ total: number }, 'Unregistered'>('Unregistered', {
  aggregateType: 'Order',
});

function setup(options: { maxRetries?: number; delayMs?: number } = {}) {
  const registry = new EventRegistry();
  registry.register(OrderCreated);
  const dispatcher = new EventDispatcher({
    scope: 'test',
    loggerName: 'eventsource.bus.test',
    enableTracing: false,
  });
  const deadLetters: { reason: string; retryCount: number; partition: number; error: unknown }[] = [];
  const stopping = new AbortController();
  // The partition holds offsets 0..7; the message under test is offset 7.
  const admin = {
    fetchTopicOffsets: async () => [{ partition: 0, offset: '8', high: '8', low: '0' }],
    fetchOffsets: async () => [],
  } as unknown as Admin;
  const lag = new ConsumerLagTracker({
    topic: 't',
    groupId: 'g',
    fromBeginning: true,
    maxAgeMs: 0,
    admin: async () => admin,
  });
  lag.assign([0]);
  const heartbeats: number[] = [];
  const metrics = new EventBusMetrics(
    { scope: 'test', version: '0', prefix: 'kafka', system: 'kafka' },
    { enableMetrics: false },
    { destination: 't', consumerGroup: 'g', activeConnections: () => 0, lagReadings: () => [] },
  );
  const pipeline = new MessagePipeline<DeliveredKafkaMessage>({
    system: 'kafka',
    spanName: 'eventsource.event_bus.consume',
    options: resolveEventBusOptions({
      registry,
      consumerGroup: 'g',
      maxRetries: options.maxRetries ?? 2,
      retryBaseDelayMs: options.delayMs ?? 40,
      retryJitter: 0,
    }),
    dispatcher,
    tracer: new ComponentTracer('test', false),
    metrics,
    logger: getLogger('test'),
    deadLetter: async (letter: DeadLetter<DeliveredKafkaMessage>) =>
      void deadLetters.push({
        reason: letter.reason,
        retryCount: letter.retryCount,
        partition: letter.message.partition,
        error: letter.error,
      }),
    wait: heartbeatingWait(15),
  });
  const processor = new KafkaMessageProcessor({ pipeline, lag, stopping: () => stopping.signal });
  const payload = (message: Partial<KafkaMessage>): EachMessagePayload => ({
    topic: 't',
    partition: 0,
    message: {
      key: Buffer.from('o-1'),
      value: null,
      timestamp: '0',
      attributes: 0,
      offset: '7',
      headers: {},
      ...message,
    } as KafkaMessage,
    heartbeat: async () => void heartbeats.push(performance.now()),
    pause: () => () => undefined,
  });
  const messageOf = (event: DomainEvent) => ({
    value: Buffer.from(encodeEvent(event)),
    headers: { event_type: Buffer.from(event.eventType) },
  });
  return { dispatcher, deadLetters, stopping, lag, processor, payload, messageOf, heartbeats };
}

const order = () => OrderCreated.create({ total: 5 }, { aggregateId: 'o-1' });

describe('KafkaMessageProcessor', () => {
  it('decodes and dispatches a message to its handlers', async () => {
    const { dispatcher, processor, payload, messageOf, deadLetters, lag } = setup();
    const received: DomainEvent[] = [];
    dispatcher.subscribe(OrderCreated, (event) => void received.push(event));
    const event = order();
    expect(await lag.readings()).toEqual([{ partition: 0, lag: 8 }]);
    await processor.process(payload(messageOf(event)));
    expect(received).toEqual([event]);
    expect(deadLetters).toEqual([]);
    expect(await lag.readings()).toEqual([{ partition: 0, lag: 0 }]);
  });

  it('handles a valid event that carries no headers at all, decoding it from its value (docs/kafka-metrics.md)', async () => {
    const { dispatcher, processor, payload, deadLetters } = setup();
    const received: DomainEvent[] = [];
    dispatcher.subscribe(OrderCreated, (event) => void received.push(event));
    const event = order();
    await processor.process(payload({ value: Buffer.from(encodeEvent(event)), headers: {} }));
    await processor.process(payload({ value: Buffer.from(encodeEvent(event)), headers: undefined }));
    expect(received).toEqual([event, event]);
    expect(deadLetters).toEqual([]);
  });

  it('acknowledges a message of a type nobody here subscribed to without decoding it', async () => {
    const { dispatcher, processor, payload, deadLetters } = setup();
    dispatcher.subscribe(OrderCreated, () => undefined);
    await processor.process(
      payload({ value: Buffer.from('not json'), headers: { event_type: Buffer.from('SomethingElse') } }),
    );
    expect(deadLetters).toEqual([]);
  });

  it('dead-letters a malformed message as a deserialization error', async () => {
    const { dispatcher, processor, payload, deadLetters } = setup();
    dispatcher.subscribe(OrderCreated, () => undefined);
    await processor.process(
      payload({ value: Buffer.from('{ not json'), headers: { event_type: Buffer.from('OrderCreated') } }),
    );
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({
      reason: DLQReasons.deserializationError,
      retryCount: 0,
      partition: 0,
    });
  });

  it('dead-letters a message whose type is not registered', async () => {
    const { dispatcher, processor, payload, messageOf, deadLetters } = setup();
    dispatcher.subscribeAll(() => undefined);
    await processor.process(payload(messageOf(Unregistered.create({ total: 1 }, { aggregateId: 'o-2' }))));
    expect(deadLetters.map((deadLetter) => deadLetter.reason)).toEqual([DLQReasons.unknownEventType]);
    expect((deadLetters[0]!.error as Error).name).toBe('EventTypeNotFoundError');
  });

  it('retries with back-off that really waits, heartbeating, then dead-letters', async () => {
    const { dispatcher, processor, payload, messageOf, deadLetters, heartbeats } = setup({
      maxRetries: 2,
      delayMs: 40,
    });
    const attempts: number[] = [];
    dispatcher.subscribe(OrderCreated, () => {
      attempts.push(performance.now());
      throw new Error('projection down');
    });
    await processor.process(payload(messageOf(order())));
    expect(attempts).toHaveLength(3);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(38);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(78);
    expect(heartbeats.length).toBeGreaterThanOrEqual(4);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ reason: DLQReasons.maxRetriesExceeded, retryCount: 2 });
  });

  it('stops retrying once a retry succeeds', async () => {
    const { dispatcher, processor, payload, messageOf, deadLetters } = setup({ delayMs: 5 });
    let calls = 0;
    dispatcher.subscribe(OrderCreated, () => {
      calls += 1;
      if (calls === 1) throw new Error('flaky');
    });
    await processor.process(payload(messageOf(order())));
    expect(calls).toBe(2);
    expect(deadLetters).toEqual([]);
  });

  it('abandons a message in back-off when consumption stops, so it is redelivered rather than dead-lettered', async () => {
    const { dispatcher, processor, payload, messageOf, deadLetters, stopping, lag } = setup({
      delayMs: 10_000,
    });
    dispatcher.subscribe(OrderCreated, () => {
      throw new Error('down');
    });
    const processing = processor.process(payload(messageOf(order())));
    setTimeout(() => stopping.abort(), 30);
    const started = performance.now();
    await expect(processing).rejects.toThrow(/Consumption stopped/);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(deadLetters).toEqual([]);
    expect(await lag.readings()).toEqual([{ partition: 0, lag: 8 }]);
  });
});
