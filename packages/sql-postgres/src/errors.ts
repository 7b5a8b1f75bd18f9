import { EventSourceError, SerializationError, UnavailableError } from '@eventsource/core';

/** SQLSTATE codes the adapters react to. */
export const PgErrorCodes = {
  uniqueViolation: '23505',
  undefinedTable: '42P01',
  undefinedFunction: '42883',
  invalidSchemaName: '3F000',
  untranslatableCharacter: '22P05',
} as const;

/** The fields of a `pg` DatabaseError read here. */
interface DriverError {
  readonly code?: unknown;
  readonly constraint?: unknown;
  readonly message?: unknown;
}

function driverError(error: unknown): DriverError | undefined {
  return typeof error === 'object' && error !== null ? (error as DriverError) : undefined;
}

/** The SQLSTATE (or Node error code) of a driver error. */
export function sqlState(error: unknown): string | undefined {
  const code = driverError(error)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The constraint a `23505` unique violation names. */
export function violatedConstraint(error: unknown): string | undefined {
  if (sqlState(error) !== PgErrorCodes.uniqueViolation) return undefined;
  const constraint = driverError(error)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}

const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Connection ended/i,
  /not queryable/i,
];
const NODE_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * Whether the error means the connection (or the server) is gone, rather than a statement failing
 * on a healthy connection: SQLSTATE class 08, admin shutdown/crash (57P01-57P03), too many
 * connections (53300), socket errors, and `pg`'s own "Connection terminated" errors.
 */
export function isConnectionError(error: unknown): boolean {
  const code = sqlState(error);
  if (code !== undefined) {
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300')
      return true;
    if (NODE_CONNECTION_CODES.has(code)) return true;
  }
  const message = driverError(error)?.message;
  return typeof message === 'string' && CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * Translates a driver error into the library's hierarchy, keeping the driver error as `cause`.
 * Library errors pass through; unrecognised driver errors are returned unchanged.
 */
export function translatePostgresError(error: unknown, operation: string): unknown {
  if (error instanceof EventSourceError) return error;
  if (isConnectionError(error)) {
    return new UnavailableError(`PostgreSQL is unavailable during ${operation}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const code = sqlState(error);
  if (
    code === PgErrorCodes.undefinedTable ||
    code === PgErrorCodes.invalidSchemaName ||
    code === PgErrorCodes.undefinedFunction
  ) {
    return new UnavailableError(
      `${operation}: the store's tables are missing; run migrate() first (${messageOf(error)})`,
      {
        cause: error,
      },
    );
  }
  if (code === PgErrorCodes.untranslatableCharacter) {
    return new SerializationError(`${operation}: PostgreSQL cannot store this value: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return error;
}

function messageOf(error: unknown): string {
  const message = driverError(error)?.message;
  return typeof message === 'string' ? message : String(error);
}
