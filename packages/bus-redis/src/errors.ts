import {
  AuthenticationError,
  InvalidArgumentError,
  isEventSourceError,
  UnavailableError,
} from '@eventsource/core';

/** Replies refusing the credentials (or what they may do): retrying the same ones cannot succeed. */
const AUTHENTICATION_REPLIES = new Set(['NOAUTH', 'WRONGPASS', 'NOPERM']);

/**
 * Redis error replies that mean the server cannot serve right now (loading, read-only replica,
 * out of memory, ...): retrying later may succeed.
 */
const UNAVAILABLE_REPLIES = new Set([
  'LOADING',
  'READONLY',
  'MASTERDOWN',
  'MISCONF',
  'OOM',
  'BUSY',
  'TRYAGAIN',
  'CLUSTERDOWN',
]);

/** ioredis errors raised when the server could not be reached or did not answer in time. */
const CONNECTION_ERROR_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
const CONNECTION_MESSAGES = [
  'Connection is closed',
  'Command timed out',
  "Stream isn't writeable",
  'connect ETIMEDOUT',
];

/** The first word of a Redis error reply (`NOGROUP`, `WRONGTYPE`, `ERR`, ...), if `error` is one. */
export function replyCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return undefined;
  return /^([A-Z]+)\b/.exec(error.message)?.[1];
}

/** True for failures to reach Redis (ioredis classes are matched by name: there may be two copies). */
export function isConnectionError(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (CONNECTION_ERROR_NAMES.has(current.name)) return true;
    if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
    if (CONNECTION_MESSAGES.some((message) => current instanceof Error && current.message.includes(message)))
      return true;
  }
  return false;
}

/** `text` with each secret replaced by `***`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let redacted = text;
  for (const secret of secrets) if (secret) redacted = redacted.replaceAll(secret, '***');
  return redacted;
}

/** True for replies refusing the credentials (`NOAUTH`, `WRONGPASS`, `NOPERM`). */
export function isAuthenticationError(error: unknown): boolean {
  const code = replyCode(error);
  return code !== undefined && AUTHENTICATION_REPLIES.has(code);
}

/**
 * The library error for an ioredis failure during `operation` against `address` (host:port/db,
 * never credentials), with the ioredis error as `cause`: refused credentials become
 * `AuthenticationError`; a reply that rejects the request itself (wrong type, bad argument)
 * `InvalidArgumentError`; everything else — unreachable, timed out, server loading or read-only —
 * `UnavailableError`. `secrets` are scrubbed from the message. Library errors pass through unchanged.
 */
export function translateRedisError(
  error: unknown,
  operation: string,
  address: string,
  secrets: readonly (string | undefined)[] = [],
): Error {
  if (isEventSourceError(error)) return error;
  const message = redact(error instanceof Error ? error.message : String(error), secrets);
  const code = replyCode(error);
  if (isAuthenticationError(error))
    return new AuthenticationError(`Redis at ${address} refused the credentials (${operation}): ${message}`, {
      cause: error,
    });
  if (code !== undefined && !UNAVAILABLE_REPLIES.has(code) && !isConnectionError(error))
    return new InvalidArgumentError(`Redis at ${address} rejected ${operation}: ${message}`, {
      cause: error,
    });
  const kind = code ?? (error instanceof Error ? error.name : 'error');
  return new UnavailableError(`Redis at ${address}: ${operation} failed (${kind}): ${message}`, {
    cause: error,
  });
}
