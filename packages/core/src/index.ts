// Public API of @eventsource/core. Observability lives in `@eventsource/core/observability`.
export { AggregateRoot } from './aggregates/aggregate-root.ts';
export type { RaiseOptions } from './aggregates/aggregate-root.ts';
export { AggregateRepository } from './aggregates/aggregate-repository.ts';
export type {
  AggregateRepositoryOptions,
  SnapshotMode,
  UpdateOptions,
} from './aggregates/aggregate-repository.ts';
export { aggregateHandlers, DeclarativeAggregate } from './aggregates/declarative-aggregate.ts';
export type { AggregateHandlers, StateHandler } from './aggregates/declarative-aggregate.ts';
export { DLQReasons } from './bus/bus-headers.ts';
export type { DLQReason } from './bus/bus-headers.ts';
export {
  AggregateNotFoundError,
  AuthenticationError,
  ClosedError,
  ConcurrencyError,
  DatabaseNotFoundError,
  DuplicateEventTypeError,
  ErrorCodes,
  errorTypeOf,
  EventDecodingError,
  EventSourceError,
  EventTypeNotFoundError,
  EventValidationError,
  EventVersionError,
  HandlerDispatchError,
  InvalidArgumentError,
  isEventSourceError,
  NotFoundError,
  SchemaVersionError,
  SerializationError,
  UnavailableError,
  UnhandledEventError,
} from './errors.ts';
export type { ErrorCode, EventSourceErrorOptions, ValidationIssue } from './errors.ts';
export { causedBy, createEvent, defineEvent, withMetadata } from './events/domain-event.ts';
export type {
  DefineEventOptions,
  DomainEvent,
  EventDataOf,
  EventDefinition,
  EventEnvelopeInput,
  EventMetadata,
  EventOf,
  Upcaster,
} from './events/domain-event.ts';
export { defaultRegistry, EventRegistry, registerEvent } from './events/event-registry.ts';
export { fromJson, toJson } from './events/serialization.ts';
export { InMemoryCheckpointRepository } from './in-memory/in-memory-checkpoint-repository.ts';
export { InMemoryDLQRepository } from './in-memory/in-memory-dlq-repository.ts';
export { InMemoryEventBus } from './in-memory/in-memory-event-bus.ts';
export { InMemoryEventStore } from './in-memory/in-memory-event-store.ts';
export type { InMemoryEventStoreOptions } from './in-memory/in-memory-event-store.ts';
export { InMemoryOutboxRepository } from './in-memory/in-memory-outbox-repository.ts';
export { InMemorySnapshotStore } from './in-memory/in-memory-snapshot-store.ts';
export { configureLogging, consoleLogger, getLogger, LoggerNames } from './logging/logger.ts';
export type { LogFields, Logger, LoggingOptions, LogLevel } from './logging/logger.ts';
export { OutboxRelay } from './outbox/outbox-relay.ts';
export type { OutboxRelayOptions } from './outbox/outbox-relay.ts';
export type { Checkpoint, CheckpointRepository, CheckpointUpdate } from './ports/checkpoint-repository.ts';
export type {
  DLQEntry,
  DLQFailure,
  DLQListOptions,
  DLQRepository,
  DLQStatus,
} from './ports/dlq-repository.ts';
export type {
  DeadLetterInspection,
  DeadLetterMessage,
  EventBus,
  EventBusCapabilities,
  EventHandler,
  ReadDeadLettersOptions,
} from './ports/event-bus.ts';
export { ExpectedVersion, MAX_ID_LENGTH } from './ports/event-store.ts';
export type {
  AppendResult,
  EventPublisher,
  EventStore,
  EventStoreCapabilities,
  EventStream,
  GetEventsByTypeOptions,
  GetEventsOptions,
  ReadAllOptions,
  StoredEvent,
} from './ports/event-store.ts';
export type { ClaimOptions, OutboxEntry, OutboxRepository, OutboxStatus } from './ports/outbox-repository.ts';
export type { Snapshot, SnapshotStore } from './ports/snapshot-store.ts';
export { DeclarativeProjection } from './projections/declarative-projection.ts';
export type { ProjectionHandler } from './projections/declarative-projection.ts';
export { ProjectionBase } from './projections/projection.ts';
export type { Projection } from './projections/projection.ts';
export { exponentialBackoff, noRetry, sleep } from './subscriptions/retry-policy.ts';
export type { ExponentialBackoffOptions, RetryPolicy } from './subscriptions/retry-policy.ts';
export { SubscriptionRunner } from './subscriptions/subscription-runner.ts';
export type {
  StartFrom,
  SubscriptionRunnerOptions,
  SubscriptionState,
} from './subscriptions/subscription-runner.ts';
export { VERSION } from './version.ts';
