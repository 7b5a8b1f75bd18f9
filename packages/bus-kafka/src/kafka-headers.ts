import type { IHeaders } from 'kafkajs';
import type { DomainEvent } from '@eventsource/core';

/** Message header names. Values are UTF-8 strings; the consumer receives them as Buffers. */
export const KafkaHeaders = {
  eventType: 'event_type',
  eventId: 'event_id',
  aggregateType: 'aggregate_type',
  tenantId: 'tenant_id',
  dlqReason: 'dlq_reason',
  dlqErrorType: 'dlq_error_type',
  dlqErrorMessage: 'dlq_error_message',
  dlqRetryCount: 'dlq_retry_count',
  dlqTimestamp: 'dlq_timestamp',
  dlqOriginalTopic: 'dlq_original_topic',
  dlqOriginalPartition: 'dlq_original_partition',
  dlqOriginalOffset: 'dlq_original_offset',
  dlqConsumerGroup: 'dlq_consumer_group',
} as const;

/** Why a message went to the DLQ (header `dlq_reason`, metric attribute `eventsource.dlq.reason`). */
export const DlqReasons = {
  maxRetriesExceeded: 'max_retries_exceeded',
  deserializationError: 'deserialization_error',
  unknownEventType: 'unknown_event_type',
} as const;
export type DlqReason = (typeof DlqReasons)[keyof typeof DlqReasons];

/**
 * The headers that route and describe an event without decoding its value (the aggregate id is
 * the message key). Kept few on purpose: every header is encoded and decoded with each message.
 */
export function eventHeaders(event: DomainEvent): Record<string, string> {
  const headers: Record<string, string> = {
    [KafkaHeaders.eventType]: event.eventType,
    [KafkaHeaders.eventId]: event.eventId,
    [KafkaHeaders.aggregateType]: event.aggregateType,
  };
  if (event.tenantId !== undefined) headers[KafkaHeaders.tenantId] = event.tenantId;
  return headers;
}

/** A header as text (kafkajs hands Buffers to consumers), or `undefined` when absent. */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

/** The longest `dlq_error_message` written; the rest is cut. */
export const DLQ_ERROR_MESSAGE_LIMIT = 1_000;
