import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@eventsource/core';
import { KafkaEventBus, resolveKafkaOptions } from '../src/index.ts';
import { kafkaClientConfig } from '../src/kafka-event-bus-options.ts';

describe('KafkaEventBus options', () => {
  it('defaults to the seed configuration', () => {
    const resolved = resolveKafkaOptions({});
    expect(resolved).toMatchObject({
      brokers: ['localhost:9092'],
      topic: 'events.stream',
      dlqTopic: 'events.stream.dlq',
      consumerGroup: 'default',
      acks: -1,
      compressionType: 'gzip',
      fromBeginning: true,
      sessionTimeoutMs: 30_000,
      enableDlq: true,
      ensureTopics: true,
      propagation: 'parent',
      securityProtocol: 'PLAINTEXT',
      shutdownTimeoutMs: 30_000,
    });
    expect(resolved.retryPolicy.maxRetries).toBe(3);
    expect(resolved.clientId).toMatch(/-[0-9a-f]{8}$/);
  });

  it('derives topic names from the prefix and the DLQ suffix', () => {
    const bus = new KafkaEventBus({
      topicPrefix: 'orders',
      dlqTopicSuffix: '.dead',
      consumerGroup: 'projections',
    });
    expect(bus.topicName).toBe('orders.stream');
    expect(bus.dlqTopicName).toBe('orders.stream.dead');
    expect(bus.consumerGroup).toBe('projections');
  });

  it('accepts brokers as a comma-separated string or a list', () => {
    expect(resolveKafkaOptions({ bootstrapServers: 'a:9092, b:9093' }).brokers).toEqual(['a:9092', 'b:9093']);
    expect(resolveKafkaOptions({ bootstrapServers: ['c:1'] }).brokers).toEqual(['c:1']);
  });

  it('maps acks and retry settings', () => {
    expect(resolveKafkaOptions({ acks: 1 }).acks).toBe(1);
    expect(resolveKafkaOptions({ acks: 0 }).acks).toBe(0);
    const policy = resolveKafkaOptions({ maxRetries: 5, retryBaseDelayMs: 200, retryJitter: 0 }).retryPolicy;
    expect(policy.maxRetries).toBe(5);
    expect(policy.delayMs(1)).toBe(200);
    expect(policy.delayMs(3)).toBe(800);
  });

  it.each([
    [{ topicPrefix: 'bad/topic' }, /invalid topic name/],
    [{ dlqTopicSuffix: '!dlq' }, /invalid topic name/],
    [{ bootstrapServers: '' }, /at least one broker/],
    [{ bootstrapServers: 'no-port' }, /host:port/],
    [{ acks: 2 as never }, /acks/],
    [{ compressionType: 'snappy' as never }, /compressionType/],
    [{ autoOffsetReset: 'middle' as never }, /autoOffsetReset/],
    [{ propagation: 'sibling' as never }, /propagation/],
    [{ heartbeatIntervalMs: 40_000 }, /lower than sessionTimeoutMs/],
    [{ batchSize: 0 }, /batchSize/],
    [{ consumerGroup: ' ' }, /consumerGroup/],
    [{ securityProtocol: 'SASL_SSL' as const }, /saslMechanism/],
    [
      { securityProtocol: 'SASL_PLAINTEXT' as const, saslMechanism: 'PLAIN' as const },
      /saslUsername and saslPassword/,
    ],
    [
      {
        securityProtocol: 'SASL_PLAINTEXT' as const,
        saslMechanism: 'GSSAPI' as never,
        saslUsername: 'u',
        saslPassword: 'p',
      },
      /saslMechanism/,
    ],
    [{ securityProtocol: 'SSL' as const, sslCertFile: '/tmp/cert.pem' }, /sslCertFile and sslKeyFile/],
    [{ securityProtocol: 'TLS' as never }, /securityProtocol/],
  ])('rejects %j with a clear error', (options, message) => {
    expect(() => new KafkaEventBus(options)).toThrow(InvalidArgumentError);
    expect(() => new KafkaEventBus(options)).toThrow(message);
  });

  it('builds SASL and TLS settings for kafkajs, reading the PEM files', () => {
    const directory = mkdtempSync(join(tmpdir(), 'bus-kafka-tls-'));
    for (const name of ['ca', 'cert', 'key']) writeFileSync(join(directory, `${name}.pem`), `${name} pem`);
    const options = {
      bootstrapServers: 'broker:9094',
      securityProtocol: 'SASL_SSL' as const,
      saslMechanism: 'SCRAM-SHA-512' as const,
      saslUsername: 'user',
      saslPassword: 'secret',
      sslCaFile: join(directory, 'ca.pem'),
      sslCertFile: join(directory, 'cert.pem'),
      sslKeyFile: join(directory, 'key.pem'),
      sslCheckHostname: false,
    };
    const config = kafkaClientConfig(options, resolveKafkaOptions(options));
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'user', password: 'secret' });
    const ssl = config.ssl as { ca: string; cert: string; key: string; checkServerIdentity: () => undefined };
    expect([ssl.ca, ssl.cert, ssl.key]).toEqual(['ca pem', 'cert pem', 'key pem']);
    expect(ssl.checkServerIdentity()).toBeUndefined();
    expect(config.brokers).toEqual(['broker:9094']);
  });

  it('uses neither TLS nor SASL in PLAINTEXT', () => {
    const config = kafkaClientConfig({}, resolveKafkaOptions({}));
    expect(config.ssl).toBeUndefined();
    expect(config.sasl).toBeUndefined();
  });

  it('reports an unreadable PEM file as bad input', () => {
    const options = { securityProtocol: 'SSL' as const, sslCaFile: '/nonexistent/ca.pem' };
    expect(() => new KafkaEventBus(options)).toThrow(/sslCaFile: cannot read/);
  });
});
