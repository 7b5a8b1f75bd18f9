// Structural copies of the OpenTelemetry API shapes core uses. `@opentelemetry/api` is an optional
// peer: no published declaration file may import it, or a TypeScript user without it gets TS2307.
// The shapes follow `@opentelemetry/api` 1.x, so the real SDK's providers, tracers, meters, spans
// and contexts are assignable to them, and what core hands out is assignable back to the API's
// types. Keep every name exported here stable: the bus kit and the adapters import them.

/** A primitive or homogeneous array attribute value, as OpenTelemetry exports it. */
export type SpanAttributeValue =
  | string
  | number
  | boolean
  | (null | undefined | string)[]
  | (null | undefined | number)[]
  | (null | undefined | boolean)[];

/**
 * Attribute maps. `@opentelemetry/api` 1.10 types the values as `unknown`, earlier 1.x releases as
 * {@link SpanAttributeValue}: `any` is the one value type that both accept in either direction, so
 * links and options pass between core and either API release.
 */
export interface SpanAttributes {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: compatible with every 1.x
  [attributeKey: string]: any;
}

export type MetricAttributes = SpanAttributes;

/** `[seconds, nanoseconds]`. */
export type HrTime = [number, number];
export type TimeInput = HrTime | number | Date;

export type Exception =
  | { code: string | number; name?: string; message?: string; stack?: string }
  | { code?: string | number; message: string; name?: string; stack?: string }
  | { code?: string | number; message?: string; name: string; stack?: string }
  | string;

export interface Context {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): Context;
  deleteValue(key: symbol): Context;
}

export interface TraceState {
  set(key: string, value: string): TraceState;
  unset(key: string): TraceState;
  get(key: string): string | undefined;
  serialize(): string;
}

export interface SpanContext {
  traceId: string;
  spanId: string;
  isRemote?: boolean;
  traceFlags: number;
  traceState?: TraceState;
}

export interface Link {
  context: SpanContext;
  attributes?: SpanAttributes;
  droppedAttributesCount?: number;
}

/** `code`: 0 unset, 1 ok, 2 error (OpenTelemetry's `SpanStatusCode`). */
export interface SpanStatus {
  code: number;
  message?: string;
}

/** `kind`: OpenTelemetry's `SpanKind` (0 internal, 1 server, 2 client, 3 producer, 4 consumer). */
export interface SpanOptions {
  kind?: number;
  attributes?: SpanAttributes;
  links?: Link[];
  startTime?: TimeInput;
  root?: boolean;
}

export interface Span {
  spanContext(): SpanContext;
  setAttribute(key: string, value: SpanAttributeValue): this;
  setAttributes(attributes: SpanAttributes): this;
  addEvent(name: string, attributesOrStartTime?: SpanAttributes | TimeInput, startTime?: TimeInput): this;
  addLink(link: Link): this;
  addLinks(links: Link[]): this;
  setStatus(status: SpanStatus): this;
  updateName(name: string): this;
  end(endTime?: TimeInput): void;
  isRecording(): boolean;
  recordException(exception: Exception, time?: TimeInput): void;
}

export interface Tracer {
  startSpan(name: string, options?: SpanOptions, context?: Context): Span;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    context: Context,
    fn: F,
  ): ReturnType<F>;
}

export interface TracerOptions {
  schemaUrl?: string;
}

export interface TracerProvider {
  getTracer(name: string, version?: string, options?: TracerOptions): Tracer;
}

export interface MetricAdvice {
  explicitBucketBoundaries?: number[];
}

/** `valueType`: OpenTelemetry's `ValueType` (0 int, 1 double). */
export interface MetricOptions {
  description?: string;
  unit?: string;
  valueType?: number;
  advice?: MetricAdvice;
}

export interface Counter<TAttributes extends MetricAttributes = MetricAttributes> {
  add(value: number, attributes?: TAttributes, context?: Context): void;
}

export interface UpDownCounter<TAttributes extends MetricAttributes = MetricAttributes> {
  add(value: number, attributes?: TAttributes, context?: Context): void;
}

export interface Gauge<TAttributes extends MetricAttributes = MetricAttributes> {
  record(value: number, attributes?: TAttributes, context?: Context): void;
}

export interface Histogram<TAttributes extends MetricAttributes = MetricAttributes> {
  record(value: number, attributes?: TAttributes, context?: Context): void;
}

export interface ObservableResult<TAttributes extends MetricAttributes = MetricAttributes> {
  observe(this: ObservableResult<TAttributes>, value: number, attributes?: TAttributes): void;
}

export interface BatchObservableResult<TAttributes extends MetricAttributes = MetricAttributes> {
  observe(
    this: BatchObservableResult<TAttributes>,
    metric: Observable<TAttributes>,
    value: number,
    attributes?: TAttributes,
  ): void;
}

export type ObservableCallback<TAttributes extends MetricAttributes = MetricAttributes> = (
  observableResult: ObservableResult<TAttributes>,
) => void | Promise<void>;

export type BatchObservableCallback<TAttributes extends MetricAttributes = MetricAttributes> = (
  observableResult: BatchObservableResult<TAttributes>,
) => void | Promise<void>;

export interface Observable<TAttributes extends MetricAttributes = MetricAttributes> {
  addCallback(callback: ObservableCallback<TAttributes>): void;
  removeCallback(callback: ObservableCallback<TAttributes>): void;
}

export type ObservableGauge<TAttributes extends MetricAttributes = MetricAttributes> =
  Observable<TAttributes>;
export type ObservableCounter<TAttributes extends MetricAttributes = MetricAttributes> =
  Observable<TAttributes>;
export type ObservableUpDownCounter<TAttributes extends MetricAttributes = MetricAttributes> =
  Observable<TAttributes>;

export interface MeterOptions {
  schemaUrl?: string;
}

export interface Meter {
  createGauge<TAttributes extends MetricAttributes = MetricAttributes>(
    name: string,
    options?: MetricOptions,
  ): Gauge<TAttributes>;
  createHistogram<TAttributes extends MetricAttributes = MetricAttributes>(
    name: string,
    options?: MetricOptions,
  ): Histogram<TAttributes>;
  createCounter<TAttributes extends MetricAttributes = MetricAttributes>(
    name: string,
    options?: MetricOptions,
  ): Counter<TAttributes>;
  createUpDownCounter<TAttributes extends MetricAttributes = MetricAttributes>(
    name: string,
    options?: MetricOptions,
  ): UpDownCounter<TAttributes>;
  createObservableGauge<TAttributes extends MetricAttributes = MetricAttributes>(
    name: string,
    options?: MetricOptions,
  ): ObservableGauge<TAttributes>;
  createObservableCounter<TAttributes extends MetricAttributes = MetricAttributes>(
    name: string,
    options?: MetricOptions,
  ): ObservableCounter<TAttributes>;
  createObservableUpDownCounter<TAttributes extends MetricAttributes = MetricAttributes>(
    name: string,
    options?: MetricOptions,
  ): ObservableUpDownCounter<TAttributes>;
  addBatchObservableCallback<TAttributes extends MetricAttributes = MetricAttributes>(
    callback: BatchObservableCallback<TAttributes>,
    observables: Observable<TAttributes>[],
  ): void;
  removeBatchObservableCallback<TAttributes extends MetricAttributes = MetricAttributes>(
    callback: BatchObservableCallback<TAttributes>,
    observables: Observable<TAttributes>[],
  ): void;
}

export interface MeterProvider {
  getMeter(name: string, version?: string, options?: MeterOptions): Meter;
}

export interface TextMapGetter<TCarrier = unknown> {
  keys(carrier: TCarrier): string[];
  get(carrier: TCarrier, key: string): undefined | string | string[];
}

export interface TextMapSetter<TCarrier = unknown> {
  set(carrier: TCarrier, key: string, value: string): void;
}

/**
 * The part of the `@opentelemetry/api` module core calls. The real module (`import * as api from
 * '@opentelemetry/api'`) is assignable to it, e.g. for `useOpenTelemetryApi(api)`.
 */
export interface OpenTelemetryApiModule {
  readonly ROOT_CONTEXT: Context;
  readonly SpanKind: {
    readonly INTERNAL: number;
    readonly SERVER: number;
    readonly CLIENT: number;
    readonly PRODUCER: number;
    readonly CONSUMER: number;
  };
  readonly SpanStatusCode: { readonly UNSET: number; readonly OK: number; readonly ERROR: number };
  /** Absent before `@opentelemetry/api` 1.1. */
  readonly createTraceState?: (rawTraceState?: string) => TraceState;
  readonly trace: {
    getTracerProvider(): TracerProvider;
    getTracer(name: string, version?: string): Tracer;
    getSpan(context: Context): Span | undefined;
    getActiveSpan(): Span | undefined;
    setSpan(context: Context, span: Span): Context;
    getSpanContext(context: Context): SpanContext | undefined;
    setSpanContext(context: Context, spanContext: SpanContext): Context;
    isSpanContextValid(spanContext: SpanContext): boolean;
  };
  readonly context: {
    active(): Context;
    with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
      context: Context,
      fn: F,
      thisArg?: ThisParameterType<F>,
      ...args: A
    ): ReturnType<F>;
  };
  readonly propagation: {
    inject<TCarrier>(context: Context, carrier: TCarrier, setter?: TextMapSetter<TCarrier>): void;
    extract<TCarrier>(context: Context, carrier: TCarrier, getter?: TextMapGetter<TCarrier>): Context;
  };
  readonly metrics: {
    getMeterProvider(): MeterProvider;
    getMeter(name: string, version?: string, options?: MeterOptions): Meter;
  };
}
