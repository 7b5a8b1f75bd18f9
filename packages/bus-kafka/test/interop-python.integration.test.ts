import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DomainEvent } from '@eventsource/core';
import { serviceAddresses } from '@eventsource/services';
import { captureTelemetry, type TelemetryCapture } from '@eventsource/testing';
import { KafkaEventBus } from '../src/index.ts';
import { EVENTS_EACH_WAY, interopRegistry } from './interop-python-events.ts';
import { interopPython } from './interop-python-support.ts';
import {
  exchangeBothWays,
  expectOneTraceBothWays,
  expectOurSpansInBothTraces,
  expectSameEventsBothWays,
} from './interop-python-exchange.ts';
import { deleteTopics, testOptions, uniquePrefix } from './support.ts';

let telemetry: TelemetryCapture;
let python: string;
const prefixes: string[] = [];

beforeAll(async () => {
  const started = Date.now();
  python = await interopPython();
  process.stderr.write(`[interop-python] venv ready after ${Date.now() - started} ms: ${python}\n`);
  telemetry = captureTelemetry();
}, 300_000);

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteTopics(prefix)));
  await telemetry?.shutdown();
}, 30_000);

describe("KafkaEventBus with wireFormat 'eventsource-py' and eventsource-py 0.15.1's KafkaEventBus", () => {
  it('delivers every event both ways on one topic, fields equal, nothing dead-lettered, one trace per publish', async () => {
    const prefix = uniquePrefix('interop-py');
    prefixes.push(prefix);
    const run = prefix.slice(-8);
    const registry = interopRegistry();
    const options = { registry, wireFormat: 'eventsource-py' as const };
    const consumer = new KafkaEventBus(testOptions(prefix, { ...options, consumerGroup: `${prefix}-ts` }));
    const publisher = new KafkaEventBus(testOptions(prefix, options));
    const received: DomainEvent[] = [];
    consumer.subscribeAll((event) => {
      received.push(event);
    });
    try {
      await consumer.startConsuming();

      const target = { bus: 'kafka', url: serviceAddresses().kafkaBrokers.join(','), prefix } as const;
      // Python consumer (its own group) in the background; it reads the topic from the start.
      const result = await exchangeBothWays({
        python,
        target,
        run,
        pythonGroup: `${prefix}-py`,
        publisher,
        received,
        awaitPythonConsumer: false,
      });
      const { ours, checkout, pythonSide } = result;
      const inPython = new Map(pythonSide.received.map((entry) => [entry.event.event_id, entry]));
      expectSameEventsBothWays(result, received);
      expect(await consumer.dlqMessageCount()).toBe(0);

      // One trace per publish, across both languages.
      const ourPublishSpanIds = expectOurSpansInBothTraces(result, telemetry.spans());
      for (const event of ours) {
        expect(inPython.get(event.eventId)?.traceId).toBe(checkout.traceId);
      }

      const { typescriptTrace } = await expectOneTraceBothWays(
        result,
        run,
        telemetry.spans(),
        ourPublishSpanIds,
      );
      const ourService = `interop-ts-${run}`;
      expect(
        typescriptTrace.filter((span) => span.serviceName === ourService && span.kind === 'producer'),
      ).toHaveLength(EVENTS_EACH_WAY);
    } finally {
      await publisher.close();
      await consumer.close();
    }
  }, 120_000);
});
