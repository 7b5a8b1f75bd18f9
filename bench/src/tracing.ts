import { context, trace, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

/**
 * How a library variant runs:
 * - `off`: the component is built with `enableTracing: false`;
 * - `api`: tracing on, `@opentelemetry/api` loaded, no SDK registered (every span is a no-op);
 * - `sdk`: tracing on, the SDK registered globally with a batch span processor, an exporter that
 *   counts and discards, and the AsyncLocalStorage context manager.
 * Raw variants run with no SDK registered.
 */
export type TracingMode = 'off' | 'api' | 'sdk';

export interface SpanCounts {
  readonly started: number;
  readonly ended: number;
  readonly exported: number;
}

/** Counts spans as they start and end, beside the batch processor. */
class CountingProcessor implements SpanProcessor {
  started = 0;
  ended = 0;
  onStart(_span: Span, _parentContext: Context): void {
    this.started += 1;
  }
  onEnd(_span: ReadableSpan): void {
    this.ended += 1;
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/** An exporter that counts what it is given and throws it away, so export costs nothing but the batching. */
class DiscardingExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exported += spans.length;
    resultCallback({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

/**
 * Switches the process between the tracing modes. The SDK is registered only while an `sdk`
 * variant runs, and unregistered (`trace.disable()`, `context.disable()`) otherwise, so raw,
 * `off` and `api` runs see exactly what an application without the SDK sees.
 */
export class TracingHarness {
  readonly #counter = new CountingProcessor();
  readonly #exporter = new DiscardingExporter();
  readonly #batch = new BatchSpanProcessor({
    exporter: this.#exporter,
    // Large enough that no benchmark run can fill it: a dropped span would flatter the SDK run.
    maxQueueSize: 1 << 20,
    maxExportBatchSize: 512,
    scheduledDelayMillis: 200,
  });
  readonly #provider = new TracerProvider({ spanProcessors: [this.#counter, this.#batch] });
  readonly #contextManager = new AsyncLocalStorageContextManager();
  #mode: TracingMode | 'none' = 'none';

  /** Puts the process in `mode` (`none` and `off`/`api` all mean: no SDK registered). */
  activate(mode: TracingMode | 'none'): void {
    if (mode === this.#mode) return;
    if (mode === 'sdk') {
      context.setGlobalContextManager(this.#contextManager.enable());
      trace.setGlobalTracerProvider(this.#provider);
    } else if (this.#mode === 'sdk') {
      trace.disable();
      context.disable();
      this.#contextManager.disable();
    }
    this.#mode = mode;
  }

  /** Exports whatever the batch processor still holds; returns the counts so far. */
  async flush(): Promise<SpanCounts> {
    await this.#provider.forceFlush();
    return this.counts();
  }

  counts(): SpanCounts {
    return { started: this.#counter.started, ended: this.#counter.ended, exported: this.#exporter.exported };
  }

  async shutdown(): Promise<void> {
    this.activate('none');
    await this.#provider.shutdown();
  }
}

/** Spans started, ended and exported between two readings. */
export function spanDelta(before: SpanCounts, after: SpanCounts): SpanCounts {
  return {
    started: after.started - before.started,
    ended: after.ended - before.ended,
    exported: after.exported - before.exported,
  };
}
