import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { DeadLetterMessage, ReadDeadLettersOptions } from '@eventsource/core';
import { KafkaHeaders } from './kafka-headers.ts';

/** A message of the dead-letter topic (`id` is `partition:offset`), headers as text. */
export interface KafkaDeadLetterMessage extends DeadLetterMessage {
  readonly partition: number;
  readonly offset: string;
}

/** Messages in the topic now: the sum over partitions of high minus low watermark. */
export async function countMessages(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((total, { high, low }) => total + Number(BigInt(high) - BigInt(low)), 0);
}

/**
 * Reads the dead-letter topic from the beginning with a throwaway consumer group (kafkajs has no
 * group-less consumer), which is deleted afterwards. Reading does not change the topic.
 */
export async function readDeadLetters(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  options: ReadDeadLettersOptions = {},
): Promise<KafkaDeadLetterMessage[]> {
  const limit = options.limit ?? 100;
  const wanted = Math.min(limit, await countMessages(admin, topic));
  if (wanted <= 0) return [];
  const groupId = `eventsource-dlq-reader-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 6_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  const messages: KafkaDeadLetterMessage[] = [];
  const enough = Promise.withResolvers<void>();
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (messages.length >= wanted) return;
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          const first = Array.isArray(value) ? value[0] : value;
          if (first !== undefined) headers[name] = first.toString();
        }
        messages.push({
          id: `${partition}:${message.offset}`,
          partition,
          offset: message.offset,
          key: message.key?.toString(),
          value: message.value?.toString(),
          headers,
          reason: headers[KafkaHeaders.dlqReason],
        });
        if (messages.length >= wanted) enough.resolve();
      },
    });
    await Promise.race([
      enough.promise,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.timeoutMs ?? 10_000);
      }),
    ]);
    return messages.sort(
      (left, right) => left.partition - right.partition || Number(BigInt(left.offset) - BigInt(right.offset)),
    );
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
