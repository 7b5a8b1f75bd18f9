import type { DomainEvent } from '../events/domain-event.ts';
import { headerValueText, type HeaderValue } from '../observability/propagation.ts';

/**
 * Header names every bus writes (values are UTF-8 strings; some clients hand them back as Buffers).
 * They route and describe an event without decoding the value. Kept few on purpose: every header
 * is encoded and decoded with each message.
 */
export const BusHeaders = {
  eventType: 'event_type',
  eventId: 'event_id',
  aggregateType: 'aggregate_type',
  tenantId: 'tenant_id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  dlqReason: 'dlq_reason',
  dlqErrorType: 'dlq_error_type',
  dlqErrorMessage: 'dlq_error_message',
  dlqRetryCount: 'dlq_retry_count',
  dlqTimestamp: 'dlq_timestamp',
  dlqConsumerGroup: 'dlq_consumer_group',
} as const;

/** Why a message was dead-lettered (header `dlq_reason`, metric attribute `eventsource.dlq.reason`). */
export const DLQReasons = {
  maxRetriesExceeded: 'max_retries_exceeded',
  deserializationError: 'deserialization_error',
  unknownEventType: 'unknown_event_type',
} as const;
export type DLQReason = (typeof DLQReasons)[keyof typeof DLQReasons];

/** The longest `dlq_error_message` written; the rest is cut. */
export const DLQ_ERROR_MESSAGE_LIMIT = 1_000;

/** Message headers as clients hand them over: strings, Buffers, or lists of either. */
export type MessageHeaders = Readonly<Record<string, HeaderValue>>;

/** `event_type`, `event_id`, `aggregate_type` and, for tenant events, `tenant_id`. */
export function eventHeaders(event: DomainEvent): Record<string, string> {
  const headers: Record<string, string> = {
    [BusHeaders.eventType]: event.eventType,
    [BusHeaders.eventId]: event.eventId,
    [BusHeaders.aggregateType]: event.aggregateType,
  };
  if (event.tenantId !== undefined) headers[BusHeaders.tenantId] = event.tenantId;
  return headers;
}

/** A header as text (the first value of a list), or `undefined` when absent. */
export function headerText(headers: MessageHeaders | undefined, name: string): string | undefined {
  return headerValueText(headers?.[name]);
}

/** What the `dlq_*` headers record about a message that could not be handled. */
export interface DeadLetterReason {
  readonly reason: DLQReason;
  readonly error: unknown;
  readonly retryCount: number;
  readonly consumerGroup: string;
}

/** The `dlq_*` headers a dead-lettered copy carries beside the original headers. */
export function deadLetterHeaders(letter: DeadLetterReason): Record<string, string> {
  const { reason, error, retryCount, consumerGroup } = letter;
  const message = error instanceof Error ? error.message : String(error);
  return {
    [BusHeaders.dlqReason]: reason,
    [BusHeaders.dlqErrorType]: error instanceof Error ? error.name : typeof error,
    [BusHeaders.dlqErrorMessage]: message.slice(0, DLQ_ERROR_MESSAGE_LIMIT),
    [BusHeaders.dlqRetryCount]: String(retryCount),
    [BusHeaders.dlqTimestamp]: new Date().toISOString(),
    [BusHeaders.dlqConsumerGroup]: consumerGroup,
  };
}
