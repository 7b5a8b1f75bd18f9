import { setupLogging } from '../platform/logging.ts';
import { runUntilSignal } from '../platform/lifecycle.ts';
import { readSettings } from '../platform/settings.ts';
import type { Telemetry } from '../platform/telemetry.ts';
import { buildHttpApp } from './http-app.ts';
import { openOrderBackend } from './order-backend.ts';

/** Starts the HTTP API and runs until SIGTERM/SIGINT (or the parent's `stop` message). */
export async function runOrderService(telemetry: Telemetry): Promise<void> {
  const logger = setupLogging('order-service');
  const settings = readSettings(8080);
  const backend = await openOrderBackend(settings);
  const app = buildHttpApp(backend, telemetry, logger);
  await app.listen({ port: settings.port, host: settings.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : settings.port;
  logger.info({ port, mode: settings.mode, publishes_to: backend.publishesTo }, 'order service listening');
  await runUntilSignal({ port, logger }, async () => {
    await app.close();
    await backend.close();
    await telemetry.shutdown();
  });
}
