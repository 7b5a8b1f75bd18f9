import { pino } from 'pino';
import { configureLogging, getLogger, type Logger, type LogLevel } from '@eventsource/core';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * Sends the library's logs and the app's own to pino (JSON lines on stdout) through the library's
 * logger interface, which adds `trace_id` and `span_id` whenever a span is active. `LOG_LEVEL`
 * sets the level (default `info`).
 */
export function setupLogging(serviceName: string): Logger {
  const requested = process.env.LOG_LEVEL as LogLevel | undefined;
  const level = requested !== undefined && LEVELS.includes(requested) ? requested : 'info';
  const root = pino({ level, base: { service: serviceName } });
  configureLogging(root, { levels: { eventsource: level, demo: level } });
  return getLogger(`demo.${serviceName}`);
}
