// The observability entry point (`@eventsource/core/observability`), mirroring the seed's
// `eventsource.observability`.
export {
  ATTR_AGGREGATE_CREATED,
  ATTR_AGGREGATE_ID,
  ATTR_AGGREGATE_TYPE,
  ATTR_BATCH_SIZE,
  ATTR_DB_NAME,
  ATTR_DB_OPERATION,
  ATTR_DB_SYSTEM,
  ATTR_ERROR_CODE,
  ATTR_ERROR_TYPE,
  ATTR_EVENT_COUNT,
  ATTR_EVENT_ID,
  ATTR_EVENT_TYPE,
  ATTR_EXPECTED_VERSION,
  ATTR_EXPECTED_VERSION_NAME,
  ATTR_FROM_POSITION,
  ATTR_FROM_VERSION,
  ATTR_HANDLER_COUNT,
  ATTR_HANDLER_NAME,
  ATTR_HANDLER_SUCCESS,
  ATTR_MESSAGING_DESTINATION,
  ATTR_MESSAGING_SYSTEM,
  ATTR_POSITION,
  ATTR_PROJECTION_NAME,
  ATTR_RETRY_COUNT,
  ATTR_STREAM_ID,
  ATTR_SUBSCRIPTION_NAME,
  ATTR_TENANT_ID,
  ATTR_TO_POSITION,
  ATTR_VERSION,
  expectedVersionAttributes,
  SemanticAttributes,
} from './attributes.ts';
export type { AttributeValue, Attributes } from './attributes.ts';
export { ComponentTracer, recordError, setAttributes } from './component-tracer.ts';
export { errorCodeOf, exceptionOf } from './exception-event.ts';
export type { StartSpanOptions, TelemetryOptions } from './component-tracer.ts';
export { EventStoreTelemetry } from './event-store-telemetry.ts';
export type { EventStoreTelemetryConfig } from './event-store-telemetry.ts';
export { elapsedMs, lazyInstruments } from './metrics.ts';
export type { MetricsOptions } from './metrics.ts';
export { getOpenTelemetryApi, OTEL_AVAILABLE, useOpenTelemetryApi } from './otel-api.ts';
export type { OpenTelemetryApiModule } from './otel-api.ts';
export type {
  BatchObservableCallback,
  BatchObservableResult,
  Context,
  Counter,
  Exception,
  Gauge,
  Histogram,
  HrTime,
  Link,
  Meter,
  MeterOptions,
  MeterProvider,
  MetricAdvice,
  MetricAttributes,
  MetricOptions,
  Observable,
  ObservableCallback,
  ObservableCounter,
  ObservableGauge,
  ObservableResult,
  ObservableUpDownCounter,
  Span,
  SpanAttributes,
  SpanAttributeValue,
  SpanContext,
  SpanOptions,
  SpanStatus,
  TextMapGetter,
  TextMapSetter,
  TimeInput,
  TraceState,
  Tracer,
  TracerOptions,
  TracerProvider,
  UpDownCounter,
} from './otel-types.ts';
export { consumerSpanRelation, extractTraceHeaders, injectTraceHeaders } from './propagation.ts';
export type { HeaderValue, TracePropagationMode } from './propagation.ts';
export { SpanKinds, SpanNames } from './span-names.ts';
export type { SpanKindValue, SpanName } from './span-names.ts';
export {
  contextFromEvent,
  currentTraceContext,
  eventSpanContext,
  formatTraceparent,
  linkToEvent,
  linksToEvents,
  parseTraceparent,
  stampTraceContext,
} from './trace-context.ts';
export type { PersistedTraceContext } from './trace-context.ts';
export { traced, TracingMixin } from './tracing-mixin.ts';

import { getOpenTelemetryApi } from './otel-api.ts';
import type { Tracer } from './otel-types.ts';

/** A tracer from the global provider, or `undefined` when `@opentelemetry/api` is not installed. */
export function getTracer(name: string, version?: string): Tracer | undefined {
  return getOpenTelemetryApi()?.trace.getTracer(name, version);
}
