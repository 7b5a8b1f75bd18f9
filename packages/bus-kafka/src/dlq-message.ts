import type { KafkaMessage, Message } from 'kafkajs';
import { DLQ_ERROR_MESSAGE_LIMIT, KafkaHeaders, type DlqReason } from './kafka-headers.ts';

/** A message that could not be handled, on its way to the dead letter topic. */
export interface DeadLetter {
  readonly partition: number;
  readonly message: KafkaMessage;
  readonly reason: DlqReason;
  readonly error: unknown;
  readonly retryCount: number;
}

/** The DLQ copy of a message: same key, value and headers, plus the `dlq_*` headers saying why. */
export function deadLetterMessage(
  deadLetter: DeadLetter,
  origin: { readonly topic: string; readonly consumerGroup: string },
): Message {
  const { partition, message, reason, error, retryCount } = deadLetter;
  const errorMessage = error instanceof Error ? error.message : String(error);
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [KafkaHeaders.dlqReason]: reason,
      [KafkaHeaders.dlqErrorType]: error instanceof Error ? error.name : typeof error,
      [KafkaHeaders.dlqErrorMessage]: errorMessage.slice(0, DLQ_ERROR_MESSAGE_LIMIT),
      [KafkaHeaders.dlqRetryCount]: String(retryCount),
      [KafkaHeaders.dlqTimestamp]: new Date().toISOString(),
      [KafkaHeaders.dlqOriginalTopic]: origin.topic,
      [KafkaHeaders.dlqOriginalPartition]: String(partition),
      [KafkaHeaders.dlqOriginalOffset]: message.offset,
      [KafkaHeaders.dlqConsumerGroup]: origin.consumerGroup,
    },
  };
}
