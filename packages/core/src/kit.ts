// `@eventsource/core/kit`: the building blocks for adapter authors (stores, snapshot stores, buses).
// Applications need only the main entry point; docs/adapters.md explains how these fit together.

// Stores: argument checks, paged reads, event rows and their serialization, dead-letter rows.
export {
  decodeEvent,
  decodeStoredEvent,
  deserializeEvent,
  encodeEvent,
  rawEventOf,
  reviveJson,
  serializeEvent,
} from './events/serialization.ts';
export type { SerializedEvent, StoredEventRecord } from './events/serialization.ts';
export { validateEvent } from './events/validation.ts';
export { describeError } from './in-memory/in-memory-dlq-repository.ts';
export { failedEventIdentity } from './ports/dlq-repository.ts';
export {
  assertAppendArguments,
  assertExpectedVersion,
  assertId,
  assertStreamArguments,
} from './ports/event-store.ts';
export { decodePageEntry, readAllPages } from './ports/read-all-pages.ts';
export type { ReadAllPageEntry, ReadAllPageRequest, UndecodableStoredEvent } from './ports/read-all-pages.ts';

// Buses: lifecycle, options, wire format and headers, publishing, the consume pipeline, metrics.
export { BrokerEventBus } from './bus/broker-event-bus.ts';
export type { BrokerEventBusConfig } from './bus/broker-event-bus.ts';
export { integerOption, resolveEventBusOptions } from './bus/bus-options.ts';
export type { EventBusOptions, ResolvedEventBusOptions } from './bus/bus-options.ts';
export {
  BusHeaders,
  deadLetterHeaders,
  DLQ_ERROR_MESSAGE_LIMIT,
  eventHeaders,
  headerText,
} from './bus/bus-headers.ts';
export type { DeadLetterReason, MessageHeaders } from './bus/bus-headers.ts';
export { BusMetricAttributes, busMetricNames } from './bus/bus-metric-names.ts';
export type { BusMetricNames } from './bus/bus-metric-names.ts';
export { EventBusMetrics } from './bus/bus-metrics.ts';
export type { BusGaugeSources, BusMetricsScope, LagReading } from './bus/bus-metrics.ts';
export { BusPublisher, withSendContext } from './bus/bus-publisher.ts';
export { outsideCallerTrace } from './bus/caller-trace.ts';
export type { BusPublisherConfig, OutgoingMessage, SendMessages } from './bus/bus-publisher.ts';
export { EventDispatcher } from './bus/event-dispatcher.ts';
export type { EventDispatcherOptions, HandlerOutcome } from './bus/event-dispatcher.ts';
export { InFlight } from './bus/in-flight.ts';
export { ConsumptionStoppedError, isConsumptionStopped, MessagePipeline } from './bus/message-pipeline.ts';
export type {
  DeadLetter,
  IncomingMessage,
  MessageOutcome,
  MessagePipelineConfig,
} from './bus/message-pipeline.ts';
export { eventsourceTsWireFormat, resolveWireFormat } from './bus/wire-format.ts';
export type { WireFormat, WireFormatName } from './bus/wire-format.ts';
export { eventsourcePyWireFormat } from './bus/wire-formats/eventsource-py.ts';
