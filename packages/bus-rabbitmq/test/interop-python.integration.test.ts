import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GetMessage } from 'amqplib';
import type { DomainEvent } from '@eventsource/core';
import { captureTelemetry, type TelemetryCapture } from '@eventsource/testing';
import { RabbitMQEventBus } from '../src/index.ts';
// The interop helpers and the Python scripts are shared with the Kafka and Redis interop tests.
import { EVENTS_EACH_WAY, interopRegistry } from '../../bus-kafka/test/interop-python-events.ts';
import { interopPython } from '../../bus-kafka/test/interop-python-support.ts';
import {
  exchangeBothWays,
  expectOneTraceBothWays,
  expectOurSpansInBothTraces,
  expectSameEventsBothWays,
} from '../../bus-kafka/test/interop-python-exchange.ts';
import { deleteByPrefix, rabbitmqUrl, testOptions, uniqueExchange, withChannel } from './support.ts';

let telemetry: TelemetryCapture;
let python: string;
const exchanges: string[] = [];

beforeAll(async () => {
  const started = Date.now();
  python = await interopPython();
  process.stderr.write(`[interop-python] venv ready after ${Date.now() - started} ms: ${python}\n`);
  telemetry = captureTelemetry();
}, 300_000);

afterAll(async () => {
  await deleteByPrefix(exchanges);
  await telemetry?.shutdown();
}, 30_000);

describe("RabbitMQEventBus with wireFormat 'eventsource-py' and eventsource-py 0.15.1's RabbitMQEventBus", () => {
  it('delivers every event both ways on one exchange, fields equal, nothing dead-lettered, one trace per publish', async () => {
    // Python's exchange_name is our exchangeName; each side's group has its own queue
    // `<exchange>.<group>` bound with `#`.
    const exchange = uniqueExchange('interop-py');
    exchanges.push(exchange);
    const run = exchange.slice(-8);
    const options = { registry: interopRegistry(), wireFormat: 'eventsource-py' as const };
    const consumer = new RabbitMQEventBus(testOptions(exchange, { ...options, consumerGroup: 'ts' }));
    const publisher = new RabbitMQEventBus(testOptions(exchange, options));
    const received: DomainEvent[] = [];
    consumer.subscribeAll((event) => {
      received.push(event);
    });
    try {
      await consumer.startConsuming();
      const target = { bus: 'rabbitmq', url: rabbitmqUrl, prefix: exchange } as const;
      // Python consumer in the background; its queue must be bound before anyone publishes. Python
      // publishes one event per call: only then does eventsource-py inject a traceparent.
      const wireQueue = `${exchange}.wire`;
      const result = await exchangeBothWays({
        python,
        target,
        run,
        pythonGroup: 'py',
        publisher,
        received,
        awaitPythonConsumer: true,
        // A bare queue beside the two groups, to look at both sides' messages as they are on the wire.
        beforePublishing: () =>
          withChannel(async (channel) => {
            await channel.assertQueue(wireQueue, { durable: false });
            await channel.bindQueue(wireQueue, exchange, '#');
          }),
      });
      const { ours, pythonSide } = result;
      const inPython = new Map(pythonSide.received.map((entry) => [entry.event.event_id, entry]));
      expectSameEventsBothWays(result, received);
      // Nothing dead-lettered on either side (eventsource-py acks an undecodable message away
      // instead, which the counts above would show).
      expect(await consumer.dlqMessageCount()).toBe(0);
      const pythonDlq = await withChannel((channel) => channel.checkQueue(`${exchange}.py.dlq`));
      expect(pythonDlq.messageCount).toBe(0);

      // On the wire both sides write the same properties and the headers eventsource-py's reader uses.
      const wire = await withChannel(async (channel) => {
        const messages: GetMessage[] = [];
        for (let message = await channel.get(wireQueue); message; message = await channel.get(wireQueue))
          messages.push(message);
        return messages;
      });
      expect(wire).toHaveLength(EVENTS_EACH_WAY * 2);
      for (const { properties, fields, content } of wire) {
        const body = JSON.parse(content.toString('utf8')) as Record<string, string | number | null>;
        expect(properties).toMatchObject({
          contentType: 'application/json',
          deliveryMode: 2,
          messageId: body.event_id,
          timestamp: Math.floor(Date.parse(String(body.occurred_at)) / 1000),
        });
        expect(fields.routingKey).toBe(`${String(body.aggregate_type)}.${String(body.event_type)}`);
        expect(properties.headers).toMatchObject({
          event_type: body.event_type,
          aggregate_type: body.aggregate_type,
          aggregate_id: body.aggregate_id,
          aggregate_version: body.aggregate_version,
          correlation_id: body.correlation_id,
          ...(body.tenant_id === null ? {} : { tenant_id: body.tenant_id }),
          ...(body.causation_id === null ? {} : { causation_id: body.causation_id }),
          traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/),
        });
      }

      // One trace per publish, across both languages.
      const ourPublishSpanIds = expectOurSpansInBothTraces(result, telemetry.spans());
      // eventsource-py's RabbitMQ consumer starts its consume span without making it current (its
      // handler spans start new traces), so the handler sees no trace: Jaeger shows the link below.
      for (const event of ours) expect(inPython.get(event.eventId)?.traceId).toMatch(/^0{32}$/);

      await expectOneTraceBothWays(result, run, telemetry.spans(), ourPublishSpanIds);
    } finally {
      await publisher.close();
      await consumer.close();
    }
  }, 90_000);
});
