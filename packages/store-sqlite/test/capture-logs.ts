import { configureLogging, type LogFields, type Logger, type LogLevel } from '@eventsource/core';

export interface LogRecord {
  readonly level: LogLevel;
  readonly fields: LogFields;
  readonly message: string | undefined;
}

/** Routes the library's loggers into `records` until `restore()` routes them back to nothing. */
export function captureLogs(): { readonly records: LogRecord[]; readonly restore: () => void } {
  const records: LogRecord[] = [];
  const loggerWith = (bindings: LogFields): Logger => {
    const write = (level: LogLevel) => (fieldsOrMessage: LogFields | string, message?: string) => {
      const fields = typeof fieldsOrMessage === 'string' ? {} : fieldsOrMessage;
      const text = typeof fieldsOrMessage === 'string' ? fieldsOrMessage : message;
      records.push({ level, fields: { ...bindings, ...fields }, message: text });
    };
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (childBindings) => loggerWith({ ...bindings, ...childBindings }),
    };
  };
  configureLogging(loggerWith({}));
  const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
  return { records, restore: () => configureLogging(silent) };
}
