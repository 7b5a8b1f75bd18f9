// The order worker process: telemetry first, so instrumentations patch what the rest imports.
import { startTelemetry } from '../platform/telemetry.ts';

const telemetry = startTelemetry('order-worker');
const { runOrderWorker } = await import('./order-worker.ts');
await runOrderWorker(telemetry);
