import type { Logger } from '@eventsource/core';

/**
 * Reports readiness to a parent process (the demo driver), then waits for SIGTERM, SIGINT, or the
 * parent's IPC channel closing (a driver that crashed leaves no orphan behind); then runs `stop`
 * once (which must flush telemetry) and lets the process end. A second signal while stopping exits
 * at once.
 */
export async function runUntilSignal(
  ready: { readonly port: number; readonly logger: Logger },
  stop: () => Promise<void>,
): Promise<void> {
  process.send?.({ type: 'ready', port: ready.port });
  const reason = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('disconnect', () => resolve('parent gone'));
  });
  ready.logger.info({ reason }, 'stopping');
  process.once('SIGTERM', () => process.exit(1));
  process.once('SIGINT', () => process.exit(1));
  try {
    await stop();
    process.exitCode = 0;
  } catch (error) {
    ready.logger.error({ error: error instanceof Error ? error.name : String(error) }, 'stop failed');
    process.exitCode = 1;
  }
  process.disconnect?.();
}
