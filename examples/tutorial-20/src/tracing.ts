import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * Tracing with console output (development), configured once at startup. `simple` exports each
 * span as it ends; the default batches spans, as production should.
 */
export function setupTracingConsole(
  serviceName: string,
  options: { readonly simple?: boolean } = {},
): NodeSDK {
  const exporter = new ConsoleSpanExporter();
  const processor = options.simple
    ? new SimpleSpanProcessor({ exporter })
    : new BatchSpanProcessor({ exporter });
  // No host/process resource detection: it would print a screenful of resource attributes per span.
  const sdk = new NodeSDK({ serviceName, spanProcessors: [processor], autoDetectResources: false });
  sdk.start();
  console.log('Tracing configured with ConsoleSpanExporter');
  return sdk;
}
