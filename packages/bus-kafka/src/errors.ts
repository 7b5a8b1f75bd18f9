import { InvalidArgumentError, isEventSourceError, UnavailableError } from '@eventsource/core';

/** kafkajs errors that mean the cluster could not be reached or did not answer in time. */
const CONNECTION_ERROR_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSLockTimeout',
  'KafkaJSSASLAuthenticationError',
]);

/** Broker answers that reject the request itself: retrying the same input cannot succeed. */
const INVALID_REQUEST_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_RECORD',
]);

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** True for errors of reaching the cluster (kafkajs classes are matched by name: there may be two copies). */
export function isConnectionError(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (CONNECTION_ERROR_NAMES.has(current.name)) return true;
  }
  return false;
}

/**
 * The library error for a kafkajs failure during `operation`, with the kafkajs error as `cause`:
 * a rejected request becomes `InvalidArgumentError`, anything else `UnavailableError`
 * (the cluster is unreachable, timed out or refused). Library errors pass through unchanged.
 */
export function translateKafkaError(error: unknown, operation: string): Error {
  if (isEventSourceError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && INVALID_REQUEST_TYPES.has(type)) {
    return new InvalidArgumentError(`Kafka rejected ${operation}: ${message}`, { cause: error });
  }
  return new UnavailableError(`Kafka ${operation} failed (${errorName(error) ?? 'error'}): ${message}`, {
    cause: error,
  });
}
