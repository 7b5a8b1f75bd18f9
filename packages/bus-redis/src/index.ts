// Public API of @eventsource/bus-redis.
export { RedisEventBus } from './redis-event-bus.ts';
export { resolveRedisOptions } from './redis-event-bus-options.ts';
export type {
  RedisEventBusOptions,
  RedisStreamOptions,
  ResolvedRedisOptions,
  ResolvedRedisStreamOptions,
} from './redis-event-bus-options.ts';
export { DeadLetterFields, PAYLOAD_FIELD } from './dead-letter-stream.ts';
export { isAuthenticationError, isConnectionError, translateRedisError } from './errors.ts';
