import { DuplicateEventTypeError, EventTypeNotFoundError } from '../errors.ts';
import type { EventDefinition } from './domain-event.ts';

/**
 * Maps event type names to their definitions so stores and buses can turn stored records back into
 * typed events. Registering the same definition twice is a no-op; another definition under a taken
 * name is an error.
 */
export class EventRegistry {
  readonly #definitions = new Map<string, EventDefinition>();

  register<TDefinition extends EventDefinition>(definition: TDefinition): TDefinition {
    const existing = this.#definitions.get(definition.eventType);
    if (existing !== undefined && existing !== definition)
      throw new DuplicateEventTypeError(definition.eventType);
    this.#definitions.set(definition.eventType, definition);
    return definition;
  }

  /** The definition of `eventType`; throws {@link EventTypeNotFoundError} naming the known types. */
  get(eventType: string): EventDefinition {
    const definition = this.#definitions.get(eventType);
    if (definition === undefined) throw new EventTypeNotFoundError(eventType, this.list());
    return definition;
  }

  find(eventType: string): EventDefinition | undefined {
    return this.#definitions.get(eventType);
  }

  has(eventType: string): boolean {
    return this.#definitions.has(eventType);
  }

  /** Registered type names, sorted. */
  list(): string[] {
    return [...this.#definitions.keys()].sort();
  }

  unregister(eventType: string): boolean {
    return this.#definitions.delete(eventType);
  }

  clear(): void {
    this.#definitions.clear();
  }

  get size(): number {
    return this.#definitions.size;
  }
}

/** The registry used when a component is given none. */
export const defaultRegistry: EventRegistry = new EventRegistry();

/** Registers `definition` (in `registry`, default {@link defaultRegistry}) and returns it. */
export function registerEvent<TDefinition extends EventDefinition>(
  definition: TDefinition,
  registry: EventRegistry = defaultRegistry,
): TDefinition {
  return registry.register(definition);
}
