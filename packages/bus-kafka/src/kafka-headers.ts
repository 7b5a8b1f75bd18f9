import { BusHeaders, BusMetricAttributes, busMetricNames } from '@eventsource/core/kit';

/**
 * Kafka message headers: the ones every bus writes (`event_type`, `event_id`, `aggregate_type`,
 * `tenant_id`, `traceparent`/`tracestate`, `dlq_*`), plus where a dead letter came from.
 */
export const KafkaHeaders = {
  ...BusHeaders,
  dlqOriginalTopic: 'dlq_original_topic',
  dlqOriginalPartition: 'dlq_original_partition',
  dlqOriginalOffset: 'dlq_original_offset',
} as const;

/** The `kafka.eventbus.*` metric names (TELEMETRY.md; the seed's names). */
export const KafkaMetricNames = busMetricNames('kafka');

/** Attribute keys on the `kafka.eventbus.*` metrics (shared by every bus). */
export const KafkaMetricAttributes = BusMetricAttributes;
