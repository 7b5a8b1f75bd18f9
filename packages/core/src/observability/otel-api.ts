import { createRequire } from 'node:module';
import type { OpenTelemetryApiModule } from './otel-types.ts';

export type { OpenTelemetryApiModule } from './otel-types.ts';

/**
 * `@opentelemetry/api` is an optional peer dependency: loaded when installed, otherwise every
 * tracing and metrics call in the library is a no-op. The API keeps its state on a global symbol,
 * so this copy and the application's copy share the registered SDK.
 */
function loadOpenTelemetryApi(): OpenTelemetryApiModule | undefined {
  try {
    return createRequire(import.meta.url)('@opentelemetry/api') as OpenTelemetryApiModule;
  } catch {
    return undefined;
  }
}

let activeApi: OpenTelemetryApiModule | undefined = loadOpenTelemetryApi();

/** True when `@opentelemetry/api` could be loaded. The SDK is not needed for this to be true. */
export const OTEL_AVAILABLE: boolean = activeApi !== undefined;

/** The API instance the library uses, or `undefined` when it is not installed. */
export function getOpenTelemetryApi(): OpenTelemetryApiModule | undefined {
  return activeApi;
}

/**
 * Makes the library use this API module. Needed only where modules load in a separate realm from
 * the application (jest's ESM sandbox, some bundlers), so the auto-loaded copy would not see the
 * SDK the application registered. `@eventsource/testing` calls it for you.
 */
export function useOpenTelemetryApi(api: OpenTelemetryApiModule): void {
  activeApi = api;
}
