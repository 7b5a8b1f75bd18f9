import { describe, expect, it } from '@jest/globals';
import type { LogEntry } from 'kafkajs';
import type { LogFields, Logger, LogLevel } from '@eventsource/core';
import { ConsumptionStoppedError } from '@eventsource/core/kit';
import { kafkaLogCreator } from '../src/kafka-log-creator.ts';

interface Line {
  readonly level: LogLevel;
  readonly fields: LogFields;
  readonly message: string | undefined;
}

function recordingLogger(lines: Line[]): Logger {
  const write = (level: LogLevel) => (fieldsOrMessage: LogFields | string, message?: string) =>
    void lines.push(
      typeof fieldsOrMessage === 'string'
        ? { level, fields: {}, message: fieldsOrMessage }
        : { level, fields: fieldsOrMessage, message },
    );
  const logger: Logger = {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: () => logger,
  };
  return logger;
}

/** What kafkajs' consumer runner logs when `eachMessage` rejects with `error`. */
function eachMessageFailure(error: Error): LogEntry {
  return {
    namespace: 'Runner',
    level: 1,
    label: 'ERROR',
    log: {
      timestamp: '2026-11-25T00:00:00.000Z',
      message: 'Error when calling eachMessage',
      topic: 'orders',
      partition: 0,
      offset: '7',
      stack: error.stack,
      error,
    },
  };
}

describe('kafkaLogCreator', () => {
  it('logs the ConsumptionStoppedError that ends a back-off on stop at debug, without the stack', () => {
    const lines: Line[] = [];
    const log = kafkaLogCreator(recordingLogger(lines))(1);
    log(eachMessageFailure(new ConsumptionStoppedError('Consumption stopped during a retry back-off')));
    expect(lines).toEqual([
      {
        level: 'debug',
        fields: {
          topic: 'orders',
          partition: 0,
          offset: '7',
          kafkajs: 'Runner',
          error: 'ConsumptionStoppedError',
        },
        message: 'Consumption stopped during a retry back-off',
      },
    ]);
  });

  it('keeps any other error out of eachMessage at error, with its fields', () => {
    const lines: Line[] = [];
    const log = kafkaLogCreator(recordingLogger(lines))(1);
    const failure = new TypeError('handler bug');
    log(eachMessageFailure(failure));
    expect(lines).toEqual([
      {
        level: 'error',
        fields: {
          topic: 'orders',
          partition: 0,
          offset: '7',
          stack: failure.stack,
          error: failure,
          kafkajs: 'Runner',
        },
        message: 'Error when calling eachMessage',
      },
    ]);
  });

  it('routes broker error responses to debug and other lines by their level', () => {
    const lines: Line[] = [];
    const log = kafkaLogCreator(recordingLogger(lines))(1);
    const line = (namespace: string, level: number, message: string): LogEntry => ({
      namespace,
      level,
      label: '',
      log: { timestamp: '2026-11-25T00:00:00.000Z', message },
    });
    log(line('Connection', 1, 'Response Metadata(key: 3, version: 6)'));
    log(line('Consumer', 1, 'Crash'));
    log(line('Consumer', 2, 'Slow'));
    log(line('Consumer', 4, 'Starting'));
    log(line('Consumer', 5, 'Fetching'));
    expect(lines.map((entry) => [entry.level, entry.message])).toEqual([
      ['debug', 'Response Metadata(key: 3, version: 6)'],
      ['error', 'Crash'],
      ['warn', 'Slow'],
      ['info', 'Starting'],
      ['debug', 'Fetching'],
    ]);
  });
});
