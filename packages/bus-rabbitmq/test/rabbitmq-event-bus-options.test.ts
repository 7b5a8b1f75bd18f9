import { describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from '@eventsource/core';
import {
  RabbitMQEventBus,
  redactUrl,
  resolveRabbitMQOptions,
  translateRabbitMQError,
  type RabbitMQEventBusOptions,
} from '../src/index.ts';

describe('resolveRabbitMQOptions', () => {
  it('applies the seed defaults', () => {
    const resolved = resolveRabbitMQOptions({});
    expect(resolved).toMatchObject({
      safeUrl: 'amqp://guest:***@localhost:5672/',
      host: 'localhost',
      port: 5672,
      exchangeName: 'events',
      exchangeType: 'topic',
      consumerGroup: 'default',
      queueName: 'events.default',
      dlqExchangeName: 'events.default_dlq',
      dlqQueueName: 'events.default.dlq',
      bindingKeys: ['#'],
      prefetchCount: 10,
      durable: true,
      autoDelete: false,
      reconnectDelayMs: 1_000,
      maxReconnectDelayMs: 60_000,
      heartbeatSeconds: 60,
      publishTimeoutMs: 30_000,
    });
    expect(resolved.bus).toMatchObject({ enableDlq: true, shutdownTimeoutMs: 30_000, propagation: 'parent' });
    expect(resolved.bus.retryPolicy.maxRetries).toBe(3);
    expect(resolved.consumerName).toMatch(/^.+-[0-9a-f]{8}$/);
  });

  it('binds by exchange type: every key on topic, none needed on fanout, the given keys on direct', () => {
    expect(resolveRabbitMQOptions({ exchangeType: 'fanout' }).bindingKeys).toEqual(['']);
    expect(
      resolveRabbitMQOptions({ exchangeType: 'direct', routingKeyPattern: ['Parcel.ParcelRegistered'] })
        .bindingKeys,
    ).toEqual(['Parcel.ParcelRegistered']);
    expect(resolveRabbitMQOptions({ routingKeyPattern: 'Parcel.*' }).bindingKeys).toEqual(['Parcel.*']);
  });

  const bad: [string, RabbitMQEventBusOptions, RegExp][] = [
    ['a URL that is not one', { rabbitmqUrl: 'not a url' }, /rabbitmqUrl is not a URL/],
    ['another scheme', { rabbitmqUrl: 'http://localhost:5672' }, /amqp:\/\/ or amqps:\/\//],
    ['an unknown exchange type', { exchangeType: 'headers' as 'topic' }, /exchangeType/],
    ['direct without keys', { exchangeType: 'direct' }, /routingKeyPattern/],
    ['an empty exchange name', { exchangeName: '' }, /exchangeName/],
    ['a name with spaces', { exchangeName: 'my events' }, /exchangeName/],
    ['an empty consumer group', { consumerGroup: ' ' }, /consumerGroup/],
    ['a zero prefetch', { prefetchCount: 0 }, /prefetchCount must be an integer >= 1/],
    ['a fractional prefetch', { prefetchCount: 1.5 }, /prefetchCount/],
    ['a negative retry count', { maxRetries: -1 }, /maxRetries/],
    ['a negative reconnect delay', { reconnectDelayMs: -5 }, /reconnectDelayMs/],
    [
      'a max delay under the first',
      { reconnectDelayMs: 500, maxReconnectDelayMs: 100 },
      /maxReconnectDelayMs/,
    ],
    ['a negative heartbeat', { heartbeatSeconds: -1 }, /heartbeatSeconds/],
    ['a zero publish timeout', { publishTimeoutMs: 0 }, /publishTimeoutMs must be an integer >= 1/],
    ['an empty DLQ suffix', { dlqExchangeSuffix: '' }, /dlqExchangeSuffix/],
    ['TLS files on amqp://', { caFile: '/etc/ssl/ca.pem' }, /need an amqps:\/\//],
    [
      'a certificate without its key',
      { rabbitmqUrl: 'amqps://broker', certFile: '/tmp/c.pem' },
      /certFile and keyFile/,
    ],
    [
      'an unreadable CA file',
      { rabbitmqUrl: 'amqps://broker', caFile: '/nonexistent/ca.pem' },
      /caFile: cannot read/,
    ],
    ['an unknown propagation', { propagation: 'sideways' as 'link' }, /propagation/],
  ];

  it.each(bad)('rejects %s with InvalidArgumentError', (_case, options, message) => {
    expect(() => resolveRabbitMQOptions(options)).toThrow(InvalidArgumentError);
    expect(() => resolveRabbitMQOptions(options)).toThrow(message);
    expect(() => new RabbitMQEventBus(options)).toThrow(InvalidArgumentError);
  });

  it('never shows the password of the URL', () => {
    const secret = 'Sup3r$ecret';
    const url = `amqps://app:${encodeURIComponent(secret)}@broker.example:5671/prod`;
    const resolved = resolveRabbitMQOptions({ rabbitmqUrl: url });
    expect(resolved.safeUrl).toBe('amqps://app:***@broker.example:5671/prod');
    expect(resolved.port).toBe(5671);
    for (const options of [
      { rabbitmqUrl: url.replace('amqps:', 'http:') },
      { rabbitmqUrl: url, certFile: '/tmp/c.pem' },
    ]) {
      const error = (() => {
        try {
          resolveRabbitMQOptions(options);
        } catch (caught) {
          return caught as Error;
        }
        throw new Error('expected an error');
      })();
      expect(error.message).not.toContain(secret);
      expect(error.message).not.toContain(encodeURIComponent(secret));
    }
    expect(redactUrl('amqp://guest:guest@localhost:5672')).toBe('amqp://guest:***@localhost:5672');
    expect(redactUrl('amqp://localhost')).toBe('amqp://localhost');
    expect(redactUrl('::nonsense')).toBe('<invalid url>');
  });
});

describe('translateRabbitMQError', () => {
  it('maps broker replies to the library hierarchy, keeping the cause and hiding secrets', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672 (password hunter2)'), {
      code: 'ECONNREFUSED',
    });
    const unavailable = translateRabbitMQError(refused, 'connect', ['hunter2']);
    expect(unavailable).toBeInstanceOf(UnavailableError);
    expect(unavailable.cause).toBe(refused);
    expect(unavailable.message).not.toContain('hunter2');

    const precondition = Object.assign(new Error('PRECONDITION_FAILED - inequivalent arg'), { code: 406 });
    expect(translateRabbitMQError(precondition, 'declare')).toBeInstanceOf(InvalidArgumentError);
    const missing = Object.assign(new Error("NOT_FOUND - no exchange 'x'"), { code: 404 });
    expect(translateRabbitMQError(missing, 'publish')).toBeInstanceOf(NotFoundError);
    expect(translateRabbitMQError(new RangeError('headers too large'), 'publish')).toBeInstanceOf(
      InvalidArgumentError,
    );
    const login = new Error(
      'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused"',
    );
    expect(translateRabbitMQError(login, 'connect to broker:5672 as app')).toBeInstanceOf(
      AuthenticationError,
    );
    const library = new InvalidArgumentError('already translated');
    expect(translateRabbitMQError(library, 'anything')).toBe(library);
  });
});
