import { serviceAddresses } from '@eventsource/services';
import { runBusComparison, type BusComparison } from '../bus/bus-workload.ts';
import { rabbitmqComparison } from '../bus/rabbitmq-comparison.ts';
import { KafkaEventBusDriver, RawKafkaDriver, type KafkaBenchSettings } from '../bus/kafka-drivers.ts';
import { redisComparison } from '../bus/redis-comparison.ts';
import type { WorkloadResult } from '../results.ts';
import { pick, selected, type Suite, type SuiteContext } from '../suite-context.ts';

/**
 * Every bus comparison: the library's `EventBus` beside its raw client. A new bus is one more entry
 * here with its two `BusDriver`s.
 */
function comparisons(context: SuiteContext): BusComparison[] {
  const kafka: KafkaBenchSettings = {
    brokers: serviceAddresses().kafkaBrokers,
    partitions: 3,
    acks: -1,
    maxWaitTimeMs: 100,
    heartbeatIntervalMs: 500,
    sessionTimeoutMs: 6000,
  };
  return [
    {
      id: 'kafka.bus',
      title: 'Kafka: publish in batches of 100 -> handled, end to end (KafkaEventBus vs raw kafkajs)',
      system: 'kafka',
      target: 0.7,
      counts: pick(
        context,
        {
          messages: 12_000,
          batchSize: 100,
          warmupMessages: 3_000,
          rounds: 4,
          pacedRate: 1000,
          pacedMessages: 1000,
          pacedBatchSize: 10,
          timeoutMs: 60_000,
        },
        {
          messages: 50_000,
          batchSize: 100,
          warmupMessages: 10_000,
          rounds: 5,
          pacedRate: 1000,
          pacedMessages: 3000,
          pacedBatchSize: 10,
          timeoutMs: 120_000,
        },
      ),
      notes: [
        'Library: KafkaEventBus (tracing off) publishing DomainEvents and a subscribed handler. Raw: kafkajs producer.send of hand-built JSON (key = aggregate id, an event_type header) and a consumer parsing it in eachMessage. One process, broker on loopback.',
      ],
      drivers: () => ({ raw: new RawKafkaDriver(kafka), library: new KafkaEventBusDriver(kafka) }),
    },
    redisComparison(context),
    rabbitmqComparison(context),
  ];
}

export const busSuite: Suite = {
  name: 'Buses',
  workloadIds: ['kafka.bus', 'redis.bus', 'rabbitmq.bus'],
  async run(context) {
    const results: WorkloadResult[] = [];
    for (const comparison of comparisons(context)) {
      if (selected(context, comparison.id)) results.push(await runBusComparison(comparison, context));
    }
    return results;
  },
};
