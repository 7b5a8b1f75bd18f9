import { getOpenTelemetryApi } from '../observability/otel-api.ts';

/**
 * Runs `fn` outside the caller's trace. Drivers keep the async context of whoever first drives
 * their sockets and loops (a consumer loop, a reconnect timer): started inside a request's span,
 * every message handled later would be parented to that request. Start them with this instead.
 */
export function outsideCallerTrace<T>(fn: () => T): T {
  const api = getOpenTelemetryApi();
  return api === undefined ? fn() : api.context.with(api.ROOT_CONTEXT, fn);
}
