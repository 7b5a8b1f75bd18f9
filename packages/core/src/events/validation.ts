import type { StandardSchemaV1 } from '@standard-schema/spec';
import { EventValidationError, InvalidArgumentError } from '../errors.ts';

/** Runs a Standard Schema synchronously; an invalid payload throws {@link EventValidationError}. */
export function validateSync<TData>(eventType: string, schema: StandardSchemaV1<unknown, TData>, data: unknown): TData {
  const result = schema['~standard'].validate(data);
  if (result instanceof Promise) {
    throw new InvalidArgumentError(`${eventType}: event schemas must validate synchronously`);
  }
  if (result.issues) {
    throw new EventValidationError(
      eventType,
      result.issues.map((issue) => ({
        message: issue.message,
        path: issue.path?.map((segment) => (typeof segment === 'object' ? segment.key : segment)),
      })),
    );
  }
  return result.value;
}
