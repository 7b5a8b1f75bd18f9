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
export type { KafkaDeadLetterMessage } from './dlq-reader.ts';
export { KafkaHeaders, KafkaMetricAttributes, KafkaMetricNames } from './kafka-headers.ts';
export { isConnectionError, translateKafkaError } from './errors.ts';
