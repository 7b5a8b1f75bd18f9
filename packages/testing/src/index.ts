// Public API of @eventsource/testing.
export { aggregateScenario } from './aggregate-scenario.ts';
export type { AggregateScenario, GivenEvent } from './aggregate-scenario.ts';
export { meterCapture, pointsOf, waitFor } from './bus-helpers.ts';
export type { MeterCapture } from './bus-helpers.ts';
export { checkpointRepositoryContract } from './contracts/checkpoint-repository-contract.ts';
export { dlqRepositoryContract } from './contracts/dlq-repository-contract.ts';
export { eventBusContract } from './contracts/event-bus-contract.ts';
export type { EventBusContractConfig } from './contracts/event-bus-contract.ts';
export type { ContractBusFactory, ContractBusOptions } from './contracts/event-bus-contract-types.ts';
export { eventStoreContract } from './contracts/event-store-contract.ts';
export type {
  EventStoreContractContext,
  EventStoreContractOptions,
} from './contracts/event-store-contract.ts';
export {
  ContractCheckedOut,
  ContractItemAdded,
  ContractNoteTaken,
  ContractQuantityChanged,
  contractRegistry,
  itemsAdded,
  noteTaken,
  uniqueId,
} from './contracts/fixtures.ts';
export type { ContractSubject } from './contracts/fixtures.ts';
export { expectOneInstrumentedTrace } from './instrumented-trace.ts';
export type { TransportSpans } from './instrumented-trace.ts';
export { outboxRepositoryContract } from './contracts/outbox-repository-contract.ts';
export { snapshotStoreContract } from './contracts/snapshot-store-contract.ts';
export { runProjection } from './projection-scenario.ts';
export { captureTelemetry, isChildOf, linksTo, sumOf } from './telemetry.ts';
export type { TelemetryCapture } from './telemetry.ts';
export {
  buildTraceTree,
  DEFAULT_TRACE_TREE_ATTRIBUTES,
  flattenTraceTree,
  formatTraceTree,
  traceSpanFromReadable,
  traceSpansFromOtlpJson,
} from './trace-tree.ts';
export type {
  TraceAttributeValue,
  TraceNode,
  TraceSpan,
  TraceSpanKind,
  TraceTreeOptions,
} from './trace-tree.ts';
