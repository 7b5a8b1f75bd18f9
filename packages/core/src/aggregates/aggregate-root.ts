import {
  createEvent,
  type DomainEvent,
  type EventDefinition,
  type EventEnvelopeInput,
} from '../events/domain-event.ts';
import { EventVersionError, InvalidArgumentError } from '../errors.ts';

/** Envelope fields a command may set on an event it raises. */
export type RaiseOptions = Omit<EventEnvelopeInput, 'aggregateId' | 'aggregateType' | 'aggregateVersion'>;

/**
 * An event-sourced aggregate: its state is the fold of its events. Subclasses name their type,
 * give the initial state and say how each event evolves the state; commands call `raiseEvent`.
 */
export abstract class AggregateRoot<TState> {
  /** The aggregate type, used for streams and events (e.g. `'Order'`). */
  abstract readonly aggregateType: string;
  /** Schema version of the state; snapshots of another version are ignored on load. */
  readonly schemaVersion: number = 1;
  readonly aggregateId: string;
  #version = 0;
  #state: TState | undefined;
  #initialised = false;
  #pending: DomainEvent[] = [];

  constructor(aggregateId: string) {
    if (typeof aggregateId !== 'string' || aggregateId.length === 0) {
      throw new InvalidArgumentError('aggregateId must be a non-empty string');
    }
    this.aggregateId = aggregateId;
  }

  protected abstract getInitialState(): TState;

  /** The state after `event`. May return a new value or the mutated `state`. */
  protected abstract evolve(state: TState, event: DomainEvent): TState;

  /** Version of the last applied event (0 for a new aggregate). */
  get version(): number {
    return this.#version;
  }

  get state(): TState {
    if (!this.#initialised) {
      this.#state = this.getInitialState();
      this.#initialised = true;
    }
    return this.#state as TState;
  }

  /** Events raised since the last save, oldest first. */
  get pendingEvents(): readonly DomainEvent[] {
    return [...this.#pending];
  }

  get hasPendingEvents(): boolean {
    return this.#pending.length > 0;
  }

  getNextVersion(): number {
    return this.#version + 1;
  }

  /**
   * Applies `event`. A new event must belong to this aggregate and carry the next version;
   * otherwise {@link EventVersionError} is thrown and nothing changes.
   */
  applyEvent(event: DomainEvent, isNew = true): void {
    if (event.aggregateId !== this.aggregateId) {
      throw new EventVersionError(
        `${event.eventType} belongs to aggregate ${event.aggregateId}, not ${this.aggregateId}`,
      );
    }
    const expected = this.#version + 1;
    if (isNew ? event.aggregateVersion !== expected : event.aggregateVersion <= this.#version) {
      throw new EventVersionError(
        `${event.eventType} has version ${event.aggregateVersion}; ${this.aggregateType} ${this.aggregateId} expects ${expected}`,
      );
    }
    const next = this.evolve(this.state, event);
    this.#state = next;
    this.#version = event.aggregateVersion;
    if (isNew) this.#pending.push(event);
  }

  /** Rebuilds state from stored events (not added to the pending events). */
  loadFromHistory(events: Iterable<DomainEvent>): void {
    for (const event of events) this.applyEvent(event, false);
  }

  /** Called by the repository after a successful save. */
  markCommitted(): void {
    this.#pending = [];
  }

  /** The state to store in a snapshot. Override to shape it (it must survive JSON with dates and bigints). */
  toSnapshotState(): unknown {
    return this.state;
  }

  /** Restores state from a snapshot taken at `version`. Override to rebuild class instances. */
  restoreSnapshot(state: unknown, version: number): void {
    this.#state = state as TState;
    this.#initialised = true;
    this.#version = version;
    this.#pending = [];
  }

  /** Creates an event of `definition` for this aggregate at the next version and applies it. */
  protected raiseEvent<TType extends string, TData>(
    definition: EventDefinition<TType, TData>,
    data: TData,
    options: RaiseOptions = {},
  ): DomainEvent<TType, TData> {
    const event = definition.create(data, {
      ...options,
      aggregateId: this.aggregateId,
      aggregateType: this.aggregateType,
      aggregateVersion: this.getNextVersion(),
    });
    this.applyEvent(event);
    return event;
  }

  /** Like `raiseEvent` for an event type that has no definition object. */
  protected raise<TData>(
    eventType: string,
    data: TData,
    options: RaiseOptions = {},
  ): DomainEvent<string, TData> {
    const event = createEvent({
      ...options,
      eventType,
      data,
      aggregateId: this.aggregateId,
      aggregateType: this.aggregateType,
      aggregateVersion: this.getNextVersion(),
    });
    this.applyEvent(event);
    return event;
  }
}
