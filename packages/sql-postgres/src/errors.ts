import {
  AuthenticationError,
  DatabaseNotFoundError,
  EventSourceError,
  InvalidArgumentError,
  UnavailableError,
} from '@eventsource/core';

/** SQLSTATE codes the adapters react to. */
export const PgErrorCodes = {
  uniqueViolation: '23505',
  undefinedTable: '42P01',
  undefinedFunction: '42883',
  invalidSchemaName: '3F000',
  untranslatableCharacter: '22P05',
  invalidPassword: '28P01',
  invalidCatalogName: '3D000',
  insufficientPrivilege: '42501',
  programLimitExceeded: '54000',
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

/**
 * The SQLSTATE (or Node error code) of a driver error, also when it is the `cause` of a library
 * error this kit translated it into.
 */
export function sqlState(error: unknown): string | undefined {
  const source = error instanceof EventSourceError ? error.cause : error;
  const code = driverError(source)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The constraint a `23505` unique violation names. */
export function violatedConstraint(error: unknown): string | undefined {
  if (sqlState(error) !== PgErrorCodes.uniqueViolation) return undefined;
  const source = error instanceof EventSourceError ? error.cause : error;
  const constraint = driverError(source)?.constraint;
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
  if (error instanceof EventSourceError) return false;
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
 * Translates a driver error into the library's hierarchy, keeping the driver error as `cause`, so
 * spans and logs name a meaningful class (`pg` names every server error just "error"). Library
 * errors pass through. By SQLSTATE class:
 *
 * | SQLSTATE                                         | Error                                        |
 * | ------------------------------------------------ | -------------------------------------------- |
 * | lost connection (08, 57P01-57P03, 53300, socket) | `UnavailableError`                           |
 * | 28 (28P01 wrong password, 28000), 42501          | `AuthenticationError` (never the password)   |
 * | 3D000 (the database does not exist)              | `DatabaseNotFoundError`                      |
 * | 42P01, 42883, 3F000, other 42 (schema mismatch)  | `UnavailableError` telling to run migrate()  |
 * | 22 (bad value: NUL 22021, JSON 22P02, 22P05), 23 | `InvalidArgumentError`                       |
 * | 54 (a value over a limit: 54000 index row size)  | `InvalidArgumentError`                       |
 * | 40, 25, 53, 55, 57, 58, XX (retry may succeed)   | `UnavailableError`                           |
 *
 * Anything else (not a driver error, or a class the library never provokes) is returned unchanged.
 */
export function translatePostgresError(error: unknown, operation: string): unknown {
  if (error instanceof EventSourceError) return error;
  const options = { cause: error };
  if (isConnectionError(error)) {
    return new UnavailableError(
      `PostgreSQL is unavailable during ${operation}: ${messageOf(error)}`,
      options,
    );
  }
  const code = sqlState(error);
  if (code === undefined || code.length !== 5) return error;
  const detail = `${operation} (${code}): ${messageOf(error)}`;
  const sqlClass = code.slice(0, 2);
  if (sqlClass === '28' || code === PgErrorCodes.insufficientPrivilege) {
    return new AuthenticationError(
      `PostgreSQL refused the credentials or their privileges during ${detail}`,
      options,
    );
  }
  if (sqlClass === '3D') {
    return new DatabaseNotFoundError(`PostgreSQL has no such database, during ${detail}`, options);
  }
  if (sqlClass === '42' || code === PgErrorCodes.invalidSchemaName) {
    return new UnavailableError(
      `${operation}: the store's tables are missing or older than this version; run migrate() first (${code}: ${messageOf(error)})`,
      options,
    );
  }
  if (sqlClass === '22' || sqlClass === '23' || sqlClass === '54') {
    return new InvalidArgumentError(`PostgreSQL cannot store this value: ${detail}`, options);
  }
  if (RETRYABLE_CLASSES.has(sqlClass)) {
    return new UnavailableError(`PostgreSQL could not complete ${detail}`, options);
  }
  return error;
}

/** Transaction rollback, invalid transaction state, resources, object state, operator, system, internal. */
const RETRYABLE_CLASSES = new Set(['40', '25', '53', '55', '57', '58', 'XX']);

function messageOf(error: unknown): string {
  const message = driverError(error)?.message;
  return typeof message === 'string' ? message : String(error);
}
