import type { Message } from 'kafkajs';
import type { DeadLetter } from '@eventsource/core/kit';
import { KafkaHeaders } from './kafka-headers.ts';
import type { DeliveredKafkaMessage } from './kafka-message-processor.ts';

/**
 * The dead-letter copy of a message: same key, value and headers, plus the kit's `dlq_*` headers
 * saying why and the `dlq_original_*` ones saying where it was.
 */
export function deadLetterMessage(letter: DeadLetter<DeliveredKafkaMessage>, topic: string): Message {
  const { partition, message } = letter.message;
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      ...letter.headers,
      [KafkaHeaders.dlqOriginalTopic]: topic,
      [KafkaHeaders.dlqOriginalPartition]: String(partition),
      [KafkaHeaders.dlqOriginalOffset]: message.offset,
    },
  };
}
