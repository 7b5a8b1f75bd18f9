import type { Context, Link, Span, Tracer, TracerProvider } from './otel-types.ts';
import { VERSION } from '../version.ts';
import { ATTR_ERROR_CODE, ATTR_ERROR_TYPE, SemanticAttributes, type Attributes } from './attributes.ts';
import { errorCodeOf, exceptionOf } from './exception-event.ts';
import { getOpenTelemetryApi } from './otel-api.ts';
import { SpanKinds, type SpanKindValue, type SpanName } from './span-names.ts';

/** Telemetry settings every component accepts. */
export interface TelemetryOptions {
  /** Emit spans. Each component documents its default (on, except projections). */
  readonly enableTracing?: boolean;
  /** Use this provider instead of the global one. */
  readonly tracerProvider?: TracerProvider;
}

export interface StartSpanOptions {
  readonly kind?: SpanKindValue;
  /**
   * The span's attributes, or a function building them: it is called only when a span is really
   * started (tracing on and an SDK registered), so untraced calls never build them.
   */
  readonly attributes?: Attributes | (() => Attributes);
  readonly links?: readonly Link[];
  /** Parent context; the active context when omitted. */
  readonly parent?: Context;
}

/**
 * The one tracing helper every component goes through. The tracer is looked up lazily on each span,
 * so a component created before the SDK starts still traces once it does. When tracing is off, or
 * `@opentelemetry/api` is absent, `run` calls the function with `undefined` and costs nothing else.
 */
export class ComponentTracer<TName extends string = SpanName> {
  readonly scope: string;
  readonly #requested: boolean;
  readonly #tracerProvider: TracerProvider | undefined;
  readonly #version: string;
  #cachedProvider: TracerProvider | undefined;
  #cachedTracer: Tracer | undefined;

  constructor(
    scope: string,
    enableTracing: boolean,
    tracerProvider?: TracerProvider,
    version: string = VERSION,
  ) {
    this.scope = scope;
    this.#requested = enableTracing;
    this.#tracerProvider = tracerProvider;
    this.#version = version;
  }

  static from(
    scope: string,
    options: TelemetryOptions | undefined,
    enabledByDefault: boolean,
  ): ComponentTracer {
    return new ComponentTracer(scope, options?.enableTracing ?? enabledByDefault, options?.tracerProvider);
  }

  /** Tracing was requested and the OpenTelemetry API is available. */
  get enabled(): boolean {
    return this.#requested && getOpenTelemetryApi() !== undefined;
  }

  /**
   * Runs `fn` inside a new active span. A returned promise ends the span when it settles. A thrown
   * or rejected error is recorded (exception event, status ERROR, `error.type`) and rethrown.
   *
   * `fn` also receives the context that holds the new span. Inject trace context from it, never
   * from `context.active()`: without a registered context manager (an SDK set up with only a
   * `tracerProvider`), the active context is always the root and would carry no trace.
   */
  run<T>(
    name: TName,
    options: StartSpanOptions,
    fn: (span: Span | undefined, spanContext: Context | undefined) => T,
  ): T {
    const api = this.#requested ? getOpenTelemetryApi() : undefined;
    if (api === undefined) return fn(undefined, undefined);
    const tracer = this.#tracer(this.#tracerProvider ?? api.trace.getTracerProvider());
    if (tracer === undefined) return fn(undefined, undefined);
    const parent = options.parent ?? api.context.active();
    const span = tracer.startSpan(
      name,
      {
        kind: options.kind ?? SpanKinds.internal,
        attributes: definedAttributes(
          typeof options.attributes === 'function' ? options.attributes() : options.attributes,
        ),
        ...(options.links === undefined ? {} : { links: [...options.links] }),
      },
      parent,
    );
    const fail = (error: unknown): never => {
      recordError(span, error);
      span.end();
      throw error;
    };
    let result: T;
    try {
      const spanContext = api.trace.setSpan(parent, span);
      result = api.context.with(spanContext, fn, undefined, span, spanContext);
    } catch (error) {
      return fail(error);
    }
    if (isPromiseLike(result)) {
      return result.then((value) => {
        span.end();
        return value;
      }, fail) as T;
    }
    span.end();
    return result;
  }

  /**
   * The tracer to use, or `undefined` when no SDK is registered: the global provider is then a
   * proxy without a delegate, every span would be a no-op, and skipping it keeps the API-only
   * cost near zero. The proxy gains a delegate when the SDK starts, so this is asked every time.
   */
  #tracer(provider: TracerProvider): Tracer | undefined {
    const proxy = provider as { getDelegateTracer?: (name: string, version?: string) => Tracer | undefined };
    if (typeof proxy.getDelegateTracer === 'function')
      return proxy.getDelegateTracer(this.scope, this.#version);
    if (provider !== this.#cachedProvider) {
      this.#cachedTracer = provider.getTracer(this.scope, this.#version);
      this.#cachedProvider = provider;
    }
    return this.#cachedTracer;
  }
}

/**
 * Marks a span as failed: an `exception` event whose `exception.type` is the error's class name
 * (the semantic conventions' "type of the exception"), status ERROR, `error.type` and
 * `eventsource.error.type` (the class name too), and `eventsource.error.code` when the error has a
 * string `code` (every library error does). The SDK would put `code` in `exception.type`, so the
 * event is recorded from the name, message and stack alone.
 */
export function recordError(span: Span | undefined, error: unknown): void {
  if (span === undefined) return;
  const exception = exceptionOf(error);
  span.recordException(exception);
  span.setStatus({ code: 2, message: exception.message });
  span.setAttribute(SemanticAttributes.errorType, exception.name);
  span.setAttribute(ATTR_ERROR_TYPE, exception.name);
  const code = errorCodeOf(error);
  if (code !== undefined) span.setAttribute(ATTR_ERROR_CODE, code);
}

/** Sets the attributes that have a value. */
export function setAttributes(span: Span | undefined, attributes: Attributes): void {
  if (span === undefined) return;
  span.setAttributes(definedAttributes(attributes));
}

function definedAttributes(
  attributes: Attributes | undefined,
): Record<string, string | number | boolean | string[] | number[] | boolean[]> {
  type Defined = Record<string, string | number | boolean | string[] | number[] | boolean[]>;
  if (attributes === undefined) return {};
  // Most attribute sets have no undefined value: they are passed on as they are (the SDK copies
  // what it keeps and never writes to them), without a copy per span.
  let undefinedValues = false;
  for (const key in attributes) {
    if (attributes[key] === undefined) {
      undefinedValues = true;
      break;
    }
  }
  if (!undefinedValues) return attributes as Defined;
  const defined: Defined = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) defined[key] = value as Defined[string];
  }
  return defined;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
