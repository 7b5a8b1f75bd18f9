import { createServer } from 'node:http';
import { once } from 'node:events';
import { setupLogging } from '../platform/logging.ts';
import { runUntilSignal } from '../platform/lifecycle.ts';
import { readSettings } from '../platform/settings.ts';
import type { Telemetry } from '../platform/telemetry.ts';
import { openOrderEventSource } from './event-source.ts';

/**
 * The second service: maintains the read model and sends notifications. It has no API, only
 * `/health`, `/ready` (200 once it receives events) and `/metrics` on its own port.
 */
export async function runOrderWorker(telemetry: Telemetry): Promise<void> {
  const logger = setupLogging('order-worker');
  const settings = readSettings(8081);
  const source = await openOrderEventSource(settings, logger);
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path === '/metrics') return telemetry.prometheus.getMetricsRequestHandler(request, response);
    const ready = source.ready();
    const [status, body] =
      path === '/health'
        ? [200, { status: 'ok' }]
        : path === '/ready'
          ? [ready ? 200 : 503, { status: ready ? 'ready' : 'starting' }]
          : [404, { error: 'not_found', message: `No route ${path}` }];
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  server.listen(settings.port, settings.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : settings.port;
  logger.info({ port, mode: settings.mode, source: source.description }, 'order worker running');
  await runUntilSignal({ port, logger }, async () => {
    await source.stop();
    server.close();
    await telemetry.shutdown();
  });
}
