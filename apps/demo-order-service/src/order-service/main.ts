// The order service process: telemetry first, so the HTTP and Fastify instrumentations patch
// what the rest imports.
import { startTelemetry } from '../platform/telemetry.ts';

const telemetry = startTelemetry('order-service');
const { runOrderService } = await import('./order-service.ts');
await runOrderService(telemetry);
