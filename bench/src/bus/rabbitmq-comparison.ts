import { serviceAddresses } from '@eventsource/services';
import { pick, type SuiteContext } from '../suite-context.ts';
import type { BusComparison } from './bus-workload.ts';
import { RabbitMQEventBusDriver, RawRabbitMQDriver, type RabbitMQBenchSettings } from './rabbitmq-drivers.ts';

/** `rabbitmq.bus`: RabbitMQEventBus against raw amqplib on the development RabbitMQ. */
export function rabbitmqComparison(context: SuiteContext): BusComparison {
  const rabbitmq: RabbitMQBenchSettings = { rabbitmqUrl: serviceAddresses().rabbitmqUrl, prefetchCount: 100 };
  return {
    id: 'rabbitmq.bus',
    title: 'RabbitMQ: publish in batches of 100 -> handled, end to end (RabbitMQEventBus vs raw amqplib)',
    system: 'rabbitmq',
    target: 0.7,
    counts: pick(
      context,
      {
        messages: 6_000,
        batchSize: 100,
        warmupMessages: 2_000,
        rounds: 4,
        pacedRate: 1_000,
        pacedMessages: 1_000,
        pacedBatchSize: 1,
        timeoutMs: 60_000,
      },
      {
        messages: 30_000,
        batchSize: 100,
        warmupMessages: 10_000,
        rounds: 5,
        pacedRate: 1_000,
        pacedMessages: 5_000,
        pacedBatchSize: 1,
        timeoutMs: 120_000,
      },
    ),
    notes: [
      'Library: RabbitMQEventBus (tracing off) publishing DomainEvents on a confirm channel and a subscribed handler; each message is acknowledged once handled. Raw: amqplib confirm channel publishing hand-built persistent JSON (routing key, an event_type header) followed by waitForConfirms, and a consumer on a bound durable queue parsing and acknowledging each message. Separate publisher and consumer connections on both sides; one process, broker on loopback.',
      'The paced run publishes one event per publish at 1,000 events/s: publish-to-handled latency without backlog.',
    ],
    drivers: () => ({ raw: new RawRabbitMQDriver(rabbitmq), library: new RabbitMQEventBusDriver(rabbitmq) }),
  };
}
