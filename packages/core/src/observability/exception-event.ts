import { errorTypeOf } from '../errors.ts';

/**
 * What to hand `span.recordException` so the event's `exception.type` is the error's class name,
 * as the semantic conventions define it. Given the error itself, the SDK prefers its `code`
 * (`AGGREGATE_NOT_FOUND`) for `exception.type`; the code goes in `eventsource.error.code` instead.
 * Reads the fields without `instanceof`, so errors from another realm keep message and stack.
 */
export function exceptionOf(error: unknown): { name: string; message: string; stack?: string } {
  const fields =
    typeof error === 'object' && error !== null ? (error as { message?: unknown; stack?: unknown }) : {};
  const message = typeof fields.message === 'string' ? fields.message : String(error);
  return {
    name: errorTypeOf(error),
    message,
    ...(typeof fields.stack === 'string' ? { stack: fields.stack } : {}),
  };
}

/** The error's string `code` (every library error has one), or `undefined`. */
export function errorCodeOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.length > 0 ? code : undefined;
}
