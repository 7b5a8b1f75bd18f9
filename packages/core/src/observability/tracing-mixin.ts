import type { Span, TracerProvider } from './otel-types.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { Attributes } from './attributes.ts';
import { ComponentTracer } from './component-tracer.ts';
import type { SpanKindValue } from './span-names.ts';

// Users name their own spans: a mixin's tracer takes any name.
const tracers = new WeakMap<object, ComponentTracer<string>>();

/**
 * Base class that gives your own components the library's tracing: call `initTracing` in the
 * constructor, wrap work in `createSpanContext`, or decorate methods with {@link traced}.
 * Spans are no-ops when tracing is off or `@opentelemetry/api` is not installed.
 */
export class TracingMixin {
  /** Sets up tracing. `tracerName` becomes the instrumentation scope (e.g. your module name). */
  protected initTracing(tracerName: string, enableTracing = true, tracerProvider?: TracerProvider): void {
    tracers.set(this, new ComponentTracer<string>(tracerName, enableTracing, tracerProvider, '0.0.0'));
  }

  /**
   * Runs `fn` inside an active span named `name` with `attributes`. `fn` receives the span, or
   * `undefined` when tracing is off, so attribute writes are guarded with `span?.`.
   */
  protected createSpanContext<T>(
    name: string,
    attributes: Attributes,
    fn: (span: Span | undefined) => T,
    kind?: SpanKindValue,
  ): T {
    return tracerOf(this).run(name, { attributes, ...(kind === undefined ? {} : { kind }) }, fn);
  }

  /** Tracing was enabled and the OpenTelemetry API is available. */
  get tracingEnabled(): boolean {
    return tracers.get(this)?.enabled ?? false;
  }
}

function tracerOf(host: object): ComponentTracer<string> {
  const tracer = tracers.get(host);
  if (tracer === undefined) {
    throw new InvalidArgumentError(
      `${host.constructor.name}: call this.initTracing(...) in the constructor before tracing`,
    );
  }
  return tracer;
}

/**
 * Method decorator (standard decorators) for methods with static attributes. The class must
 * extend {@link TracingMixin} and call `initTracing`. Works for sync and async methods.
 */
export function traced(
  name: string,
  options: { readonly attributes?: Attributes; readonly kind?: SpanKindValue } = {},
) {
  return function decorate<This extends TracingMixin, Args extends unknown[], Result>(
    method: (this: This, ...args: Args) => Result,
    _context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Result>,
  ): (this: This, ...args: Args) => Result {
    return function tracedMethod(this: This, ...args: Args): Result {
      return tracerOf(this).run(
        name,
        {
          attributes: options.attributes ?? {},
          ...(options.kind === undefined ? {} : { kind: options.kind }),
        },
        () => method.apply(this, args),
      );
    };
  };
}
