import {
  AuthenticationError,
  InvalidArgumentError,
  isEventSourceError,
  NotFoundError,
  UnavailableError,
} from '@eventsource/core';
import { scrubSecrets } from './redact-url.ts';

/** AMQP reply codes that reject the request itself: repeating it unchanged cannot succeed. */
const INVALID_REQUEST_CODES = new Set([
  406, // PRECONDITION_FAILED: e.g. a queue or exchange exists with other arguments
  403, // ACCESS_REFUSED on a resource (login refusals are handshake errors, see below)
  502, // SYNTAX_ERROR
  503, // COMMAND_INVALID
  530, // NOT_ALLOWED
]);

/** One message the broker did not confirm. */
export interface UnconfirmedMessage {
  readonly eventId: string;
  readonly eventType: string;
  /** `nacked` (the broker refused it) or `not confirmed` (the channel or connection went away first). */
  readonly reason: string;
}

/**
 * A publish the broker did not fully confirm. `unconfirmed` names each message that may not be
 * stored; the others were confirmed. Republishing the events is safe for consumers that are
 * idempotent by event id (delivery is at least once anyway).
 */
export class UnconfirmedPublishError extends UnavailableError {
  readonly unconfirmed: readonly UnconfirmedMessage[];
  readonly exchange: string;

  constructor(exchange: string, total: number, unconfirmed: readonly UnconfirmedMessage[], cause: unknown) {
    const shown = unconfirmed.slice(0, 10).map((message) => `${message.eventType} ${message.eventId}`);
    const more = unconfirmed.length > shown.length ? ` and ${unconfirmed.length - shown.length} more` : '';
    const reasons = [...new Set(unconfirmed.map((message) => message.reason))].join(', ');
    super(
      `RabbitMQ did not confirm ${unconfirmed.length} of ${total} message(s) published to exchange "${exchange}" (${reasons}): ${shown.join(', ')}${more}`,
      { cause },
    );
    this.unconfirmed = unconfirmed;
    this.exchange = exchange;
  }
}

function replyCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * The library error for an amqplib failure during `operation`, with the amqplib error as `cause`
 * and every secret scrubbed from the message: a refused login becomes `AuthenticationError`, a
 * request the broker rejects (or amqplib refuses,
 * such as too-large headers) becomes `InvalidArgumentError`, a missing exchange or queue
 * `NotFoundError`, anything else `UnavailableError`. Library errors pass through unchanged.
 */
export function translateRabbitMQError(
  error: unknown,
  operation: string,
  secrets: readonly (string | undefined)[] = [],
): Error {
  if (isEventSourceError(error)) return error;
  const text = scrubSecrets(error instanceof Error ? error.message : String(error), secrets);
  const code = replyCodeOf(error);
  // A refused login ends the handshake (amqplib gives no reply code then): retrying cannot help.
  if (/handshake/i.test(text) && /ACCESS[-_]REFUSED/.test(text))
    return new AuthenticationError(`RabbitMQ refused the login (${operation}): ${text}`, { cause: error });
  if (
    error instanceof RangeError ||
    error instanceof TypeError ||
    (code !== undefined && INVALID_REQUEST_CODES.has(code))
  )
    return new InvalidArgumentError(`RabbitMQ rejected ${operation}: ${text}`, { cause: error });
  if (code === 404) {
    const notFound = new NotFoundError(`RabbitMQ ${operation}: ${text}`);
    Object.defineProperty(notFound, 'cause', { value: error, enumerable: false });
    return notFound;
  }
  return new UnavailableError(`RabbitMQ ${operation} failed: ${text}`, { cause: error });
}
