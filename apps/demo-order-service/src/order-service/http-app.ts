import { trace } from '@opentelemetry/api';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '@eventsource/core';
import type { Telemetry } from '../platform/telemetry.ts';
import { errorHandler } from './http-errors.ts';
import type { OrderBackend } from './order-backend.ts';
import { registerOrderRoutes } from './order-routes.ts';

/**
 * The order service's HTTP server. Every answer carries a W3C `traceresponse` header naming the
 * request's trace, so a client (the demo driver, the end-to-end test) can look the trace up.
 */
export function buildHttpApp(backend: OrderBackend, telemetry: Telemetry, logger: Logger): FastifyInstance {
  const app = Fastify({
    logger: false,
    // Reject unknown fields instead of silently dropping them (Fastify's default).
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.setErrorHandler(errorHandler(logger));
  app.addHook('onRequest', async (_request, reply) => {
    const spanContext = trace.getActiveSpan()?.spanContext();
    if (spanContext !== undefined) {
      const flags = spanContext.traceFlags.toString(16).padStart(2, '0');
      reply.header('traceresponse', `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`);
    }
  });

  app.get('/health', () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    try {
      await backend.eventStore.getGlobalPosition();
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'unavailable' });
    }
  });
  app.get('/metrics', (request, reply) => {
    reply.hijack();
    telemetry.prometheus.getMetricsRequestHandler(request.raw, reply.raw);
  });
  registerOrderRoutes(app, backend);
  return app;
}
