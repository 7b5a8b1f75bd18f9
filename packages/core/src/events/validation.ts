import type { StandardSchemaV1 } from '@standard-schema/spec';
import { EventValidationError, InvalidArgumentError } from '../errors.ts';
import type { DomainEvent } from './domain-event.ts';
import type { EventRegistry } from './event-registry.ts';

/** Runs a Standard Schema synchronously; an invalid payload throws {@link EventValidationError}. */
export function validateSync<TData>(
  eventType: string,
  schema: StandardSchemaV1<unknown, TData>,
  data: unknown,
): TData {
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

/**
 * Checks an event before it is stored: its type must be registered (else `EventTypeNotFoundError`)
 * and its payload must pass the definition's schema (else `EventValidationError`). Stores call
 * this for every event before writing any, so bad input writes nothing.
 */
export function validateEvent(event: DomainEvent, registry: EventRegistry): void {
  const definition = registry.get(event.eventType);
  if (definition.schema !== undefined) validateSync(event.eventType, definition.schema, event.data);
}
