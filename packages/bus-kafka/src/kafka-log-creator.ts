import type { LogEntry, logCreator } from 'kafkajs';
import type { Logger } from '@eventsource/core';
import { isConsumptionStopped } from '@eventsource/core/kit';

/** kafkajs' numeric levels (its `logLevel` enum, which erasable TypeScript cannot import as a value). */
const KAFKAJS_LEVELS = { error: 1, warn: 2, info: 4, debug: 5 } as const;

/**
 * Routes kafkajs' own log lines to `logger` (the `eventsource.bus.kafka` logger), fields kept.
 * kafkajs logs every error response of the broker at ERROR before retrying it (an auto-created
 * topic's first metadata answer, an existing topic on create); those go to DEBUG, since a failure
 * that outlives the retries reaches the caller as an error anyway. kafkajs also logs at ERROR, with
 * a stack trace, every error out of `eachMessage`, including the `ConsumptionStoppedError` with which a
 * stop ends a retry back-off on purpose: that one goes to DEBUG, without the stack.
 */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, ...fields } = log;
      const record = { ...fields, kafkajs: namespace };
      const { stack: _stack, error, ...context } = fields;
      if (isConsumptionStopped(error)) {
        logger.debug({ ...context, kafkajs: namespace, error: error.name }, error.message);
      } else if (namespace === 'Connection' && message.startsWith('Response ')) logger.debug(record, message);
      else if (level <= KAFKAJS_LEVELS.error) logger.error(record, message);
      else if (level <= KAFKAJS_LEVELS.warn) logger.warn(record, message);
      else if (level <= KAFKAJS_LEVELS.info) logger.info(record, message);
      else logger.debug(record, message);
    };
}

export const KAFKAJS_LOG_LEVEL_INFO = KAFKAJS_LEVELS.info;
