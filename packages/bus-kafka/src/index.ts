// Public API of @eventsource/bus-kafka.
export { KafkaEventBus } from './kafka-event-bus.ts';
export { resolveKafkaOptions } from './kafka-event-bus-options.ts';
export type {
  KafkaAcks,
  KafkaCompressionType,
  KafkaEventBusOptions,
  KafkaSaslMechanism,
  KafkaSecurityProtocol,
  ResolvedKafkaOptions,
} from './kafka-event-bus-options.ts';
export type { DeadLetterMessage, ReadDeadLettersOptions } from './dlq-reader.ts';
export { DlqReasons, KafkaHeaders } from './kafka-headers.ts';
export type { DlqReason } from './kafka-headers.ts';
export { KafkaMetricAttributes, KafkaMetricNames } from './kafka-metrics.ts';
export { isConnectionError, translateKafkaError } from './errors.ts';
