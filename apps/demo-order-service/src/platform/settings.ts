import { InvalidArgumentError } from '@eventsource/core';

export type DemoMode = 'embedded' | 'full';

/**
 * Both processes read their configuration from the environment (the driver sets it; in production
 * a deployment would). Addresses use the same variables as the development services.
 */
export interface Settings {
  readonly mode: DemoMode;
  /** Embedded mode: the SQLite file both processes share. */
  readonly sqliteFile: string;
  /** Full mode: PostgreSQL connection string (never logged: it may carry a password). */
  readonly postgresUrl: string;
  /** Full mode: schema holding the event store, outbox, snapshots and read model. */
  readonly schema: string;
  /** Full mode: which bus carries events between the services (see `buses.ts`). */
  readonly bus: string;
  /** Full mode: topic/exchange/stream prefix of the bus. */
  readonly destinationPrefix: string;
  /** Full mode: the worker's consumer group. */
  readonly consumerGroup: string;
  readonly kafkaBrokers: string;
  /** May carry a password: never logged (the bus redacts it in its own telemetry). */
  readonly rabbitmqUrl: string;
  /** May carry a password: never logged (the bus redacts it in its own telemetry). */
  readonly redisUrl: string;
  /** Port of the process's HTTP server; 0 picks a free one (reported to a parent process). */
  readonly port: number;
  readonly host: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function text(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function readSettings(defaultPort: number): Settings {
  const mode = text('DEMO_MODE', 'embedded');
  if (mode !== 'embedded' && mode !== 'full') {
    throw new InvalidArgumentError(`DEMO_MODE must be "embedded" or "full", got "${mode}"`);
  }
  const schema = text('DEMO_SCHEMA', 'demo_orders');
  if (!IDENTIFIER.test(schema)) {
    throw new InvalidArgumentError(`DEMO_SCHEMA must match ${String(IDENTIFIER)}, got "${schema}"`);
  }
  const port = Number(text('PORT', String(defaultPort)));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`PORT must be a port number, got "${process.env.PORT}"`);
  }
  return {
    mode,
    sqliteFile: text('DEMO_SQLITE_FILE', 'demo-orders.db'),
    postgresUrl: text(
      'EVENTSOURCE_POSTGRES_URL',
      'postgres://eventsource:eventsource@127.0.0.1:5432/eventsource',
    ),
    schema,
    bus: text('DEMO_BUS', 'kafka'),
    destinationPrefix: text('DEMO_DESTINATION_PREFIX', 'demo-orders'),
    consumerGroup: text('DEMO_CONSUMER_GROUP', 'order-worker'),
    kafkaBrokers: text('EVENTSOURCE_KAFKA_BROKERS', '127.0.0.1:9092'),
    rabbitmqUrl: text('EVENTSOURCE_RABBITMQ_URL', 'amqp://guest:guest@127.0.0.1:5672'),
    redisUrl: text('EVENTSOURCE_REDIS_URL', 'redis://127.0.0.1:6379'),
    port,
    host: text('HOST', '127.0.0.1'),
  };
}
