import { describe, expect, it } from '@jest/globals';
import { defaultServiceAddresses, serviceAddresses } from '../src/addresses.ts';

describe('serviceAddresses', () => {
  it('defaults to the local services on their standard ports', () => {
    expect(serviceAddresses({})).toEqual(defaultServiceAddresses);
    expect(serviceAddresses({}).postgresUrl).toBe(
      'postgres://eventsource:eventsource@127.0.0.1:5432/eventsource',
    );
  });

  it('reads every address from its environment variable', () => {
    const addresses = serviceAddresses({
      EVENTSOURCE_POSTGRES_URL: 'postgres://someone:secret@db.internal:6543/other',
      EVENTSOURCE_REDIS_URL: 'redis://cache.internal:6380/',
      EVENTSOURCE_RABBITMQ_URL: 'amqp://user:password@mq.internal:5673',
      EVENTSOURCE_RABBITMQ_MANAGEMENT_URL: 'http://mq.internal:15673',
      EVENTSOURCE_KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092,',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      EVENTSOURCE_OTLP_GRPC_ENDPOINT: 'http://collector:4317',
      EVENTSOURCE_JAEGER_QUERY_URL: 'http://jaeger:16686',
    });
    expect(addresses).toEqual({
      postgresUrl: 'postgres://someone:secret@db.internal:6543/other',
      redisUrl: 'redis://cache.internal:6380',
      rabbitmqUrl: 'amqp://user:password@mq.internal:5673',
      rabbitmqManagementUrl: 'http://mq.internal:15673',
      kafkaBrokers: ['kafka-1:9092', 'kafka-2:9092'],
      otlpEndpoint: 'http://collector:4318',
      otlpGrpcEndpoint: 'http://collector:4317',
      jaegerQueryUrl: 'http://jaeger:16686',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(serviceAddresses({ EVENTSOURCE_REDIS_URL: '  ', EVENTSOURCE_KAFKA_BROKERS: '' })).toEqual(
      defaultServiceAddresses,
    );
  });
});
