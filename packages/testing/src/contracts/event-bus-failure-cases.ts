import { expect, it } from '@jest/globals';
import { ClosedError, createEvent, DLQReasons } from '@eventsource/core';
import { encodeEvent } from '@eventsource/core/kit';
import { meterCapture, pointsOf, waitFor } from '../bus-helpers.ts';
import { isInspectable, recorder, type BusContractContext } from './event-bus-contract-context.ts';
import { ContractItemAdded, itemsAdded, uniqueId } from './fixtures.ts';

/** Failures and lifecycle: retries, dead letters, replay, draining stop, close. */
export function failureCases(context: BusContractContext): void {
  const { config, declared, timeout, when, newBus, newScope } = context;
  const [deadIt, deadName] = when(
    declared.deadLetters,
    'retries a failing handler with waiting back-off, then dead-letters it while later events flow',
    'deadLetters not declared',
  );
  deadIt(
    deadName,
    async () => {
      const meters = meterCapture();
      const bus = await newBus(newScope('retry'), {
        maxRetries: 2,
        retryBaseDelayMs: 200,
        meterProvider: meters.meterProvider,
      });
      const [poison, healthy] = [itemsAdded(uniqueId('poison'), 1)[0]!, itemsAdded(uniqueId('cart'), 1)[0]!];
      const attempts: number[] = [];
      const handled = recorder();
      bus.subscribe(ContractItemAdded, {
        name: 'FlakyProjection',
        handle: (event) => {
          if (event.eventId !== poison.eventId) return handled.handler(event);
          attempts.push(performance.now());
          throw new Error('projection down');
        },
      });
      await bus.startConsuming();
      await bus.publish([poison]);
      await bus.publish([healthy]);
      await waitFor(
        () => attempts.length >= 3 && handled.ids().has(healthy.eventId),
        'retries and the later event',
        timeout / 2,
      );
      expect(attempts).toHaveLength(3);
      // Exponential back-off from 200 ms, no jitter assumed beyond the bus's default ±10 %.
      expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(150);
      expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(300);
      if (config.metricPrefix !== undefined) {
        await waitFor(
          async () =>
            pointsOf(await meters.metric(`${config.metricPrefix}.eventbus.messages.dlq`)).length > 0,
          'the DLQ counter',
        );
        expect(pointsOf(await meters.metric(`${config.metricPrefix}.eventbus.messages.dlq`))).toEqual([
          {
            attributes: { 'eventsource.dlq.reason': DLQReasons.maxRetriesExceeded, 'error.type': 'Error' },
            value: 1,
          },
        ]);
      }
      if (declared.dlqInspection && isInspectable(bus)) {
        await waitFor(async () => (await bus.dlqMessageCount()) >= 1, 'the dead letter to be counted');
        const [letter] = await bus.readDlq({ limit: 1 });
        expect(letter?.reason).toBe(DLQReasons.maxRetriesExceeded);
        expect(letter?.headers.event_id).toBe(poison.eventId);
        expect(letter?.headers.dlq_error_message).toBe('projection down');
        expect(letter?.headers.dlq_retry_count).toBe('2');
        if (config.metricPrefix !== undefined) {
          // An observable gauge: it reads the DLQ when collected, so it cannot go stale.
          const size = await meters.metric(`${config.metricPrefix}.eventbus.dlq.size`);
          expect(pointsOf(size)[0]?.value).toBeGreaterThanOrEqual(1);
        }
      }
      await meters.shutdown();
    },
    timeout,
  );

  deadIt(
    declared.deadLetters
      ? 'dead-letters a malformed message and an unknown event type, and consumption goes on'
      : 'dead-letters malformed and unknown messages (skipped: deadLetters not declared)',
    async () => {
      if (config.sendRaw === undefined)
        throw new Error('eventBusContract: sendRaw is required with deadLetters');
      const bus = await newBus(newScope('malformed'));
      const handled = recorder();
      bus.subscribeAll(handled.handler);
      await bus.startConsuming();
      const cartId = uniqueId('cart');
      await config.sendRaw(bus, '{ not json', { event_type: 'ContractItemAdded', event_id: 'malformed-1' });
      const unknown = encodeEvent(
        createEvent({
          eventType: 'NobodyRegisteredThis',
          eventId: 'unknown-1',
          aggregateId: cartId,
          aggregateType: 'ContractCart',
          data: {},
        }),
      );
      await config.sendRaw(bus, unknown, { event_type: 'NobodyRegisteredThis', event_id: 'unknown-1' });
      const good = itemsAdded(cartId, 1)[0]!;
      await bus.publish([good]);
      await waitFor(() => handled.ids().has(good.eventId), 'the good event after the bad ones', timeout / 2);
      expect([...handled.ids()]).toEqual([good.eventId]);
      if (declared.dlqInspection && isInspectable(bus)) {
        await waitFor(async () => (await bus.dlqMessageCount()) >= 2, 'two dead letters');
        const reasons = (await bus.readDlq({ limit: 10 })).map((letter) => [
          letter.headers.event_id,
          letter.reason,
        ]);
        expect(reasons.sort()).toEqual([
          ['malformed-1', DLQReasons.deserializationError],
          ['unknown-1', DLQReasons.unknownEventType],
        ]);
      }
    },
    timeout,
  );

  const [replayIt, replayName] = when(
    declared.dlqReplay,
    'replays dead letters to the group that failed them',
    'dlqReplay not declared',
  );
  replayIt(
    replayName,
    async () => {
      const bus = await newBus(newScope('replay'), { maxRetries: 0, retryBaseDelayMs: 0 });
      if (!isInspectable(bus) || bus.replayDlq === undefined)
        throw new Error('dlqReplay declared without replayDlq');
      let failing = true;
      const handled = recorder();
      bus.subscribe(ContractItemAdded, (event) => {
        if (failing) throw new Error('not yet');
        handled.handler(event);
      });
      await bus.startConsuming();
      const event = itemsAdded(uniqueId('cart'), 1)[0]!;
      await bus.publish([event]);
      await waitFor(async () => (await bus.dlqMessageCount()) === 1, 'the dead letter');
      failing = false;
      expect(await bus.replayDlq({ limit: 10 })).toBe(1);
      await waitFor(() => handled.ids().has(event.eventId), 'the replayed event to be handled', timeout / 2);
      await waitFor(async () => (await bus.dlqMessageCount()) === 0, 'the DLQ to be empty');
    },
    timeout,
  );

  it(
    'stopConsuming lets a handler in flight finish, and is idempotent',
    async () => {
      const bus = await newBus(newScope('drain'));
      let started = false;
      let finished = false;
      bus.subscribe(ContractItemAdded, async () => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 500));
        finished = true;
      });
      await bus.startConsuming();
      await bus.publish(itemsAdded(uniqueId('cart'), 1));
      await waitFor(() => started, 'the handler to start', timeout / 2);
      await Promise.all([bus.stopConsuming(), bus.stopConsuming()]);
      expect(finished).toBe(true);
      await bus.stopConsuming();
    },
    timeout,
  );

  it('closes twice without error, then refuses to publish with ClosedError', async () => {
    const bus = await newBus(newScope('close'));
    await bus.close();
    await expect(bus.close()).resolves.toBeUndefined();
    await expect(bus.publish(itemsAdded(uniqueId('cart'), 1))).rejects.toBeInstanceOf(ClosedError);
  });
}
