import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import kafkajs, { type Admin, type Consumer, type KafkaMessage, type Producer } from 'kafkajs';
import { serviceAddresses } from '../src/addresses.ts';
import { uniqueName } from './unique-name.ts';

const { Kafka, logLevel, Partitioners } = kafkajs;

/**
 * The kafkajs calls the Kafka bus relies on, against the pinned broker (Kafka 4 removed old
 * protocol versions, and kafkajs has not been released since 2023): admin topic creation, produce
 * with headers, a consumer group, offset commit, and the admin offset fetch.
 */
describe('Kafka through kafkajs', () => {
  const kafka = new Kafka({
    clientId: 'services-smoke-test',
    brokers: [...serviceAddresses().kafkaBrokers],
    logLevel: logLevel.ERROR,
  });
  const topic = uniqueName('smoke-topic');
  const groupId = uniqueName('smoke-group');
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;

  beforeAll(async () => {
    admin = kafka.admin();
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    consumer = kafka.consumer({ groupId });
    await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
  });

  afterAll(async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('creates a topic, consumes produced messages with headers in a group, and commits offsets', async () => {
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })).toBe(
      true,
    );

    const sent = [
      { key: 'order-1', value: 'placed', headers: { 'event-type': 'OrderPlaced', 'stream-version': '1' } },
      { key: 'order-2', value: 'placed', headers: { 'event-type': 'OrderPlaced', 'stream-version': '1' } },
      { key: 'order-1', value: 'shipped', headers: { 'event-type': 'OrderShipped', 'stream-version': '2' } },
    ];
    await producer.send({ topic, messages: sent });

    const received: { partition: number; message: KafkaMessage }[] = [];
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            received.push({ partition, message });
            await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
            if (received.length === sent.length) resolve();
          },
        })
        .catch(reject);
    });

    const byKey = (key: string) => received.filter(({ message }) => message.key?.toString() === key);
    expect(byKey('order-1').map(({ message }) => message.value?.toString())).toEqual(['placed', 'shipped']);
    for (const { message } of received) {
      const eventType = message.headers?.['event-type'];
      expect(Buffer.isBuffer(eventType)).toBe(true);
      expect(message.headers?.['stream-version']).toBeInstanceOf(Buffer);
    }
    expect(byKey('order-1')[1]!.message.headers?.['event-type']?.toString()).toBe('OrderShipped');
    expect(byKey('order-2')[0]!.message.headers?.['stream-version']?.toString()).toBe('1');

    await consumer.stop();
    const highWatermarks = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed!.topic).toBe(topic);
    expect(
      committed!.partitions
        .map(({ partition, offset }) => ({ partition, offset: offset === '-1' ? '0' : offset }))
        .sort((left, right) => left.partition - right.partition),
    ).toEqual(
      highWatermarks
        .map(({ partition, high }) => ({ partition, offset: high }))
        .sort((left, right) => left.partition - right.partition),
    );
    expect(committed!.partitions.reduce((total, { offset }) => total + Math.max(Number(offset), 0), 0)).toBe(
      sent.length,
    );
  }, 60_000);
});
