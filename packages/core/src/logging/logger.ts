import { getOpenTelemetryApi } from '../observability/otel-api.ts';

export type LogFields = Readonly<Record<string, unknown>>;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A pino-compatible logger: `logger.info({ fields }, 'message')` or `logger.info('message')`. */
export interface Logger {
  debug(fieldsOrMessage: LogFields | string, message?: string): void;
  info(fieldsOrMessage: LogFields | string, message?: string): void;
  warn(fieldsOrMessage: LogFields | string, message?: string): void;
  error(fieldsOrMessage: LogFields | string, message?: string): void;
  child(bindings: LogFields): Logger;
}

/** The seed's logger names; components log under these. */
export const LoggerNames = {
  storesSqlite: 'eventsource.stores.sqlite',
  storesPostgresql: 'eventsource.stores.postgresql',
  storesMemory: 'eventsource.stores.memory',
  busKafka: 'eventsource.bus.kafka',
  busRabbitmq: 'eventsource.bus.rabbitmq',
  busRedis: 'eventsource.bus.redis',
  busMemory: 'eventsource.bus.memory',
  repository: 'eventsource.aggregates.repository',
  projections: 'eventsource.projections',
  subscriptions: 'eventsource.subscriptions',
  outbox: 'eventsource.outbox',
  snapshotsSqlite: 'eventsource.snapshots.sqlite',
  snapshotsPostgresql: 'eventsource.snapshots.postgresql',
} as const;

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const noopLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return noopLogger;
  },
};

let rootLogger: Logger = noopLogger;
let levelsByName: Readonly<Record<string, LogLevel>> = {};

export interface LoggingOptions {
  /**
   * Minimum level per logger name or name prefix, the most specific winning:
   * `{ eventsource: 'info', 'eventsource.stores.sqlite': 'warn', 'eventsource.bus.kafka': 'debug' }`.
   */
  readonly levels?: Readonly<Record<string, LogLevel>>;
}

/** Routes every library logger to `logger` (pino, or anything with the same shape). No-op by default. */
export function configureLogging(logger: Logger, options: LoggingOptions = {}): void {
  rootLogger = logger;
  levelsByName = options.levels ?? {};
}

function minimumLevel(name: string): LogLevel | undefined {
  let best: string | undefined;
  for (const prefix of Object.keys(levelsByName)) {
    if (
      (name === prefix || name.startsWith(`${prefix}.`)) &&
      (best === undefined || prefix.length > best.length)
    )
      best = prefix;
  }
  return best === undefined ? undefined : levelsByName[best];
}

/**
 * The named logger `name`. Records carry `logger: name` and, when a span is active, `trace_id` and
 * `span_id`, so logs and traces correlate. The root is looked up on each record, so loggers taken
 * before `configureLogging` follow it.
 */
export function getLogger(name: string): Logger {
  return traceAwareLogger(name, () => rootLogger.child({ logger: name }));
}

function traceAwareLogger(name: string, resolve: () => Logger): Logger {
  const write = (level: LogLevel) => (fieldsOrMessage: LogFields | string, message?: string) => {
    if (rootLogger === noopLogger) return;
    const minimum = minimumLevel(name);
    if (minimum !== undefined && LEVELS.indexOf(level) < LEVELS.indexOf(minimum)) return;
    const target = resolve();
    const fields = typeof fieldsOrMessage === 'string' ? {} : fieldsOrMessage;
    const text = typeof fieldsOrMessage === 'string' ? fieldsOrMessage : message;
    target[level]({ ...traceFields(), ...fields }, text);
  };
  const logger = Object.fromEntries(LEVELS.map((level) => [level, write(level)])) as unknown as Logger;
  logger.child = (bindings) => traceAwareLogger(name, () => resolve().child(bindings));
  return logger;
}

function traceFields(): LogFields {
  const api = getOpenTelemetryApi();
  const spanContext = api?.trace.getSpanContext(api.context.active());
  if (spanContext === undefined || !api?.trace.isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/** A small logger printing one line per record to the console, for examples and development. */
export function consoleLogger(
  options: { readonly level?: LogLevel; readonly bindings?: LogFields } = {},
): Logger {
  const threshold = LEVELS.indexOf(options.level ?? 'info');
  const bindings = options.bindings ?? {};
  const write = (level: LogLevel) => (fieldsOrMessage: LogFields | string, message?: string) => {
    if (LEVELS.indexOf(level) < threshold) return;
    const fields = { ...bindings, ...(typeof fieldsOrMessage === 'string' ? {} : fieldsOrMessage) };
    const text = typeof fieldsOrMessage === 'string' ? fieldsOrMessage : (message ?? '');
    const { logger: name, ...rest } = fields;
    const details = Object.entries(rest).map(
      ([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
    );
    console[level === 'debug' ? 'log' : level](
      `${level.toUpperCase()} ${String(name ?? 'eventsource')} ${text} ${details.join(' ')}`.trimEnd(),
    );
  };
  const logger = Object.fromEntries(LEVELS.map((level) => [level, write(level)])) as unknown as Logger;
  logger.child = (childBindings) =>
    consoleLogger({ ...options, bindings: { ...bindings, ...childBindings } });
  return logger;
}
