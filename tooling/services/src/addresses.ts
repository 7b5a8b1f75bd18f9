/**
 * The one place that says where the development and test services are.
 *
 * Every address comes from an environment variable with a default that matches both the native
 * services (`pnpm services:up`) and `docker-compose.yml`. Tests and examples import
 * `serviceAddresses()` instead of hard-coding hosts and ports, so pointing a run at other servers
 * is a matter of setting these variables.
 */

export type ServiceAddresses = {
  /** `EVENTSOURCE_POSTGRES_URL`: a libpq connection URL (user, password and database included). */
  readonly postgresUrl: string;
  /** `EVENTSOURCE_REDIS_URL`: a `redis://` URL as ioredis accepts it. */
  readonly redisUrl: string;
  /** `EVENTSOURCE_RABBITMQ_URL`: an `amqp://` URL as amqplib accepts it. */
  readonly rabbitmqUrl: string;
  /** `EVENTSOURCE_RABBITMQ_MANAGEMENT_URL`: base URL of the RabbitMQ management HTTP API. */
  readonly rabbitmqManagementUrl: string;
  /** `EVENTSOURCE_KAFKA_BROKERS`: comma-separated `host:port` bootstrap brokers. */
  readonly kafkaBrokers: readonly string[];
  /**
   * `OTEL_EXPORTER_OTLP_ENDPOINT`: the OTLP/HTTP base URL, without `/v1/traces` (the standard
   * OpenTelemetry variable, so SDKs configured from the environment agree with the tests).
   */
  readonly otlpEndpoint: string;
  /** `EVENTSOURCE_OTLP_GRPC_ENDPOINT`: the OTLP/gRPC endpoint of the same collector. */
  readonly otlpGrpcEndpoint: string;
  /** `EVENTSOURCE_JAEGER_QUERY_URL`: base URL of Jaeger's query API (`/api/v3/...`) and UI. */
  readonly jaegerQueryUrl: string;
};

export const defaultServiceAddresses: ServiceAddresses = {
  postgresUrl: 'postgres://eventsource:eventsource@127.0.0.1:5432/eventsource',
  redisUrl: 'redis://127.0.0.1:6379',
  rabbitmqUrl: 'amqp://guest:guest@127.0.0.1:5672',
  rabbitmqManagementUrl: 'http://127.0.0.1:15672',
  kafkaBrokers: ['127.0.0.1:9092'],
  otlpEndpoint: 'http://127.0.0.1:4318',
  otlpGrpcEndpoint: 'http://127.0.0.1:4317',
  jaegerQueryUrl: 'http://127.0.0.1:16686',
};

/** The environment variable behind each address, for messages and documentation. */
export const serviceAddressVariables = {
  postgresUrl: 'EVENTSOURCE_POSTGRES_URL',
  redisUrl: 'EVENTSOURCE_REDIS_URL',
  rabbitmqUrl: 'EVENTSOURCE_RABBITMQ_URL',
  rabbitmqManagementUrl: 'EVENTSOURCE_RABBITMQ_MANAGEMENT_URL',
  kafkaBrokers: 'EVENTSOURCE_KAFKA_BROKERS',
  otlpEndpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  otlpGrpcEndpoint: 'EVENTSOURCE_OTLP_GRPC_ENDPOINT',
  jaegerQueryUrl: 'EVENTSOURCE_JAEGER_QUERY_URL',
} as const satisfies Record<keyof ServiceAddresses, string>;

function readVariable(environment: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = environment[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * Reads the service addresses from `environment` (default `process.env`), falling back to the
 * defaults above for every variable that is unset or empty. URLs are returned without a trailing
 * slash so callers can append paths.
 */
export function serviceAddresses(environment: NodeJS.ProcessEnv = process.env): ServiceAddresses {
  const read = (key: Exclude<keyof ServiceAddresses, 'kafkaBrokers'>): string =>
    withoutTrailingSlash(
      readVariable(environment, serviceAddressVariables[key]) ?? defaultServiceAddresses[key],
    );
  const brokers = readVariable(environment, serviceAddressVariables.kafkaBrokers);
  return {
    postgresUrl: read('postgresUrl'),
    redisUrl: read('redisUrl'),
    rabbitmqUrl: read('rabbitmqUrl'),
    rabbitmqManagementUrl: read('rabbitmqManagementUrl'),
    kafkaBrokers:
      brokers === undefined
        ? defaultServiceAddresses.kafkaBrokers
        : brokers
            .split(',')
            .map((broker) => broker.trim())
            .filter((broker) => broker !== ''),
    otlpEndpoint: read('otlpEndpoint'),
    otlpGrpcEndpoint: read('otlpGrpcEndpoint'),
    jaegerQueryUrl: read('jaegerQueryUrl'),
  };
}
