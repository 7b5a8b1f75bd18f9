/**
 * One error hierarchy for the library. Every error carries a stable `code`; driver errors are kept
 * as `cause`. Errors are recognised across duplicate installs of this package: `instanceof` is
 * answered from a `Symbol.for` marker and the code, not from the prototype chain alone.
 */
import type { SerializedEvent } from './events/serialization.ts';

const ERROR_MARKER = Symbol.for('@eventsource/core/error');

export const ErrorCodes = {
  concurrencyConflict: 'CONCURRENCY_CONFLICT',
  aggregateNotFound: 'AGGREGATE_NOT_FOUND',
  eventTypeNotFound: 'EVENT_TYPE_NOT_FOUND',
  duplicateEventType: 'DUPLICATE_EVENT_TYPE',
  eventValidationFailed: 'EVENT_VALIDATION_FAILED',
  eventVersionMismatch: 'EVENT_VERSION_MISMATCH',
  unhandledEvent: 'UNHANDLED_EVENT',
  invalidArgument: 'INVALID_ARGUMENT',
  serializationFailed: 'SERIALIZATION_FAILED',
  handlerDispatchFailed: 'HANDLER_DISPATCH_FAILED',
  closed: 'CLOSED',
  schemaVersionUnsupported: 'SCHEMA_VERSION_UNSUPPORTED',
  unavailable: 'UNAVAILABLE',
  notFound: 'NOT_FOUND',
  eventDecodingFailed: 'EVENT_DECODING_FAILED',
  authenticationFailed: 'AUTHENTICATION_FAILED',
  databaseNotFound: 'DATABASE_NOT_FOUND',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface EventSourceErrorOptions {
  readonly cause?: unknown;
}

export class EventSourceError extends Error {
  static readonly code: ErrorCode | undefined = undefined;
  readonly code: ErrorCode;
  declare readonly [ERROR_MARKER]: true;

  constructor(code: ErrorCode, message: string, options: EventSourceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, ERROR_MARKER, { value: true });
  }

  /** Matches errors from any copy of this package: the base class matches all, a subclass its code. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null || !(ERROR_MARKER in value)) return false;
    return this.code === undefined || (value as { code?: unknown }).code === this.code;
  }
}

/** True when `value` is an error of this library, optionally with the given code. */
export function isEventSourceError(value: unknown, code?: ErrorCode): value is EventSourceError {
  return value instanceof EventSourceError && (code === undefined || value.code === code);
}

/** The stream was written by someone else since it was read. Nothing of this append was stored. */
export class ConcurrencyError extends EventSourceError {
  static override readonly code = ErrorCodes.concurrencyConflict;
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly expectedVersion: number | string;
  readonly actualVersion: number;

  constructor(
    details: {
      aggregateId: string;
      aggregateType: string;
      expectedVersion: number | string;
      actualVersion: number;
    },
    options?: EventSourceErrorOptions,
  ) {
    super(
      ErrorCodes.concurrencyConflict,
      `Concurrency conflict on ${details.aggregateType} ${details.aggregateId}: expected version ${String(details.expectedVersion)}, but the current version is ${details.actualVersion}`,
      options,
    );
    this.aggregateId = details.aggregateId;
    this.aggregateType = details.aggregateType;
    this.expectedVersion = details.expectedVersion;
    this.actualVersion = details.actualVersion;
  }
}

export class AggregateNotFoundError extends EventSourceError {
  static override readonly code = ErrorCodes.aggregateNotFound;
  readonly aggregateId: string;
  readonly aggregateType: string;

  constructor(aggregateType: string, aggregateId: string) {
    super(ErrorCodes.aggregateNotFound, `${aggregateType} ${aggregateId} not found`);
    this.aggregateId = aggregateId;
    this.aggregateType = aggregateType;
  }
}

export class EventTypeNotFoundError extends EventSourceError {
  static override readonly code = ErrorCodes.eventTypeNotFound;
  readonly eventType: string;

  constructor(eventType: string, knownTypes: readonly string[]) {
    const known = knownTypes.length === 0 ? 'none are registered' : `registered: ${knownTypes.join(', ')}`;
    super(ErrorCodes.eventTypeNotFound, `Unknown event type "${eventType}" (${known})`);
    this.eventType = eventType;
  }
}

export class DuplicateEventTypeError extends EventSourceError {
  static override readonly code = ErrorCodes.duplicateEventType;
  constructor(eventType: string) {
    super(
      ErrorCodes.duplicateEventType,
      `Event type "${eventType}" is already registered with another definition`,
    );
  }
}

export interface ValidationIssue {
  readonly message: string;
  readonly path?: readonly PropertyKey[];
}

export class EventValidationError extends EventSourceError {
  static override readonly code = ErrorCodes.eventValidationFailed;
  readonly eventType: string;
  readonly issues: readonly ValidationIssue[];

  constructor(eventType: string, issues: readonly ValidationIssue[]) {
    const summary = issues.map(
      (issue) => (issue.path?.length ? `${issue.path.map(String).join('.')}: ` : '') + issue.message,
    );
    super(ErrorCodes.eventValidationFailed, `Invalid ${eventType} payload: ${summary.join('; ')}`);
    this.eventType = eventType;
    this.issues = issues;
  }
}

export class EventVersionError extends EventSourceError {
  static override readonly code = ErrorCodes.eventVersionMismatch;
  constructor(message: string) {
    super(ErrorCodes.eventVersionMismatch, message);
  }
}

export class UnhandledEventError extends EventSourceError {
  static override readonly code = ErrorCodes.unhandledEvent;
  constructor(message: string) {
    super(ErrorCodes.unhandledEvent, message);
  }
}

export class InvalidArgumentError extends EventSourceError {
  static override readonly code = ErrorCodes.invalidArgument;
  constructor(message: string, options?: EventSourceErrorOptions) {
    super(ErrorCodes.invalidArgument, message, options);
  }
}

export class SerializationError extends EventSourceError {
  static override readonly code = ErrorCodes.serializationFailed;
  constructor(message: string, options?: EventSourceErrorOptions) {
    super(ErrorCodes.serializationFailed, message, options);
  }
}

/** Some handlers failed; every handler still ran. `errors` holds each failure with its handler name. */
export class HandlerDispatchError extends EventSourceError {
  static override readonly code = ErrorCodes.handlerDispatchFailed;
  readonly failures: readonly { readonly handlerName: string; readonly error: unknown }[];

  constructor(
    eventType: string,
    failures: readonly { readonly handlerName: string; readonly error: unknown }[],
  ) {
    super(
      ErrorCodes.handlerDispatchFailed,
      `${failures.length} handler(s) failed for ${eventType}: ${failures.map((failure) => failure.handlerName).join(', ')}`,
      { cause: failures[0]?.error },
    );
    this.failures = failures;
  }
}

export class ClosedError extends EventSourceError {
  static override readonly code = ErrorCodes.closed;
  constructor(component: string) {
    super(ErrorCodes.closed, `${component} is closed`);
  }
}

export class SchemaVersionError extends EventSourceError {
  static override readonly code = ErrorCodes.schemaVersionUnsupported;
  constructor(message: string) {
    super(ErrorCodes.schemaVersionUnsupported, message);
  }
}

/**
 * A backing service (database, broker) cannot be reached, is shutting down or stayed busy too long.
 * The operation did not complete; retrying later may succeed, and appends are idempotent by event
 * id, so retrying one whose outcome is unknown never stores an event twice.
 */
export class UnavailableError extends EventSourceError {
  static override readonly code = ErrorCodes.unavailable;
  constructor(message: string, options?: EventSourceErrorOptions) {
    super(ErrorCodes.unavailable, message, options);
  }
}

export class NotFoundError extends EventSourceError {
  static override readonly code = ErrorCodes.notFound;
  constructor(message: string) {
    super(ErrorCodes.notFound, message);
  }
}

/**
 * A stored or received event cannot be turned back into a typed event: its type is not registered,
 * an upcaster or the schema rejects it, or its JSON is malformed (`cause` says which). It names the
 * event and where it sits, and keeps it as stored in `raw`, so nothing is lost: a subscription
 * dead-letters it and goes on with the next event.
 */
export class EventDecodingError extends EventSourceError {
  static override readonly code = ErrorCodes.eventDecodingFailed;
  readonly eventId: string;
  readonly eventType: string;
  readonly aggregateId: string;
  readonly aggregateType: string;
  /** The event's version in its stream. */
  readonly streamPosition: number;
  /** Its position in the store-wide order, when read through `readAll`. */
  readonly globalPosition: number | undefined;
  /** The event as stored, `data` and `metadata` as JSON text. */
  readonly raw: SerializedEvent;

  constructor(raw: SerializedEvent, globalPosition: number | undefined, options?: EventSourceErrorOptions) {
    const where = `${raw.aggregateType} ${raw.aggregateId} version ${raw.aggregateVersion}${globalPosition === undefined ? '' : `, global position ${globalPosition}`}`;
    const cause = options?.cause;
    const reason =
      cause === undefined
        ? ''
        : `: ${errorTypeOf(cause)}: ${cause instanceof Error ? cause.message : String(cause)}`;
    super(
      ErrorCodes.eventDecodingFailed,
      `Event ${raw.eventId} (${raw.eventType}, ${where}) cannot be decoded${reason}`,
      options,
    );
    this.eventId = raw.eventId;
    this.eventType = raw.eventType;
    this.aggregateId = raw.aggregateId;
    this.aggregateType = raw.aggregateType;
    this.streamPosition = raw.aggregateVersion;
    this.globalPosition = globalPosition;
    this.raw = raw;
  }
}

/** The database refused the credentials. The message names user and host, never the password. */
export class AuthenticationError extends EventSourceError {
  static override readonly code = ErrorCodes.authenticationFailed;
  constructor(message: string, options?: EventSourceErrorOptions) {
    super(ErrorCodes.authenticationFailed, message, options);
  }
}

/** The database named in the connection settings does not exist on the server. */
export class DatabaseNotFoundError extends EventSourceError {
  static override readonly code = ErrorCodes.databaseNotFound;
  constructor(message: string, options?: EventSourceErrorOptions) {
    super(ErrorCodes.databaseNotFound, message, options);
  }
}

/** The class name of an error, for `error.type` attributes and metrics. */
export function errorTypeOf(error: unknown): string {
  // Not `instanceof Error`: errors from another realm (a worker, a test sandbox, a native addon)
  // fail that check but still have a name.
  if (typeof error !== 'object' || error === null) return typeof error;
  const name = (error as { name?: unknown }).name;
  if (typeof name === 'string' && name.length > 0) return name;
  return error.constructor?.name ?? 'object';
}
