// Public API of @eventsource/bus-rabbitmq.
export { RabbitMQEventBus } from './rabbitmq-event-bus.ts';
export { resolveRabbitMQOptions } from './rabbitmq-event-bus-options.ts';
export type {
  RabbitMQEventBusOptions,
  RabbitMQExchangeType,
  ResolvedRabbitMQOptions,
} from './rabbitmq-event-bus-options.ts';
export { translateRabbitMQError, UnconfirmedPublishError } from './errors.ts';
export type { UnconfirmedMessage } from './errors.ts';
export { AGGREGATE_ID_HEADER, ORIGINAL_ROUTING_KEY_HEADER } from './amqp-messages.ts';
export { REPLAY_COUNT_HEADER } from './dead-letter-queue.ts';
export { routingKeyOf } from './topology.ts';
export { redactUrl } from './redact-url.ts';
