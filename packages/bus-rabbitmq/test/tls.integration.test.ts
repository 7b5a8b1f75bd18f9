// amqps:// against a RabbitMQ node of this test's own with a TLS listener and a throwaway CA.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { UnavailableError, type DomainEvent } from '@eventsource/core';
import { RabbitMQEventBus, type RabbitMQEventBusOptions } from '../src/index.ts';
import { RabbitMQNode } from './fixtures/rabbitmq-node.ts';
import { ParcelRegistered, parcelRegistered, testOptions, uniqueExchange } from './support.ts';

let node: RabbitMQNode;
let tlsPort = 0;
let caFile = '';

/** A CA and a server certificate for 127.0.0.1 / localhost, valid for a day. */
function makeCertificates(directory: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: directory, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=bus-rabbitmq-test-ca',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(join(directory, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'server.ext',
  );
}

beforeAll(async () => {
  tlsPort = await RabbitMQNode.freePort();
  node = await RabbitMQNode.create((directory) => {
    makeCertificates(directory);
    caFile = join(directory, 'ca.pem');
    return [
      `listeners.ssl.default = 127.0.0.1:${tlsPort}`,
      `ssl_options.cacertfile = ${join(directory, 'ca.pem')}`,
      `ssl_options.certfile = ${join(directory, 'server.pem')}`,
      `ssl_options.keyfile = ${join(directory, 'server.key')}`,
      'ssl_options.verify = verify_none',
      'ssl_options.fail_if_no_peer_cert = false',
    ];
  });
  await node.start();
}, 90_000);

afterAll(async () => {
  await node?.destroy();
}, 60_000);

async function roundTrip(options: RabbitMQEventBusOptions): Promise<DomainEvent> {
  await using bus = new RabbitMQEventBus(testOptions(uniqueExchange('tls'), options));
  const received = Promise.withResolvers<DomainEvent>();
  bus.subscribe(ParcelRegistered, (event) => received.resolve(event));
  await bus.startConsuming();
  await bus.publish([parcelRegistered('parcel-tls')]);
  return received.promise;
}

it('publishes and consumes over amqps:// with the CA given as caFile', async () => {
  const event = await roundTrip({ rabbitmqUrl: `amqps://guest:guest@127.0.0.1:${tlsPort}`, caFile });
  expect(event.aggregateId).toBe('parcel-tls');
}, 30_000);

it('refuses a broker certificate it cannot verify, unless verifySsl is off', async () => {
  const url = `amqps://guest:guest@127.0.0.1:${tlsPort}`;
  const refused = new RabbitMQEventBus(testOptions(uniqueExchange('tls-untrusted'), { rabbitmqUrl: url }));
  const error = await refused.startConsuming().catch((caught: unknown) => caught);
  await refused.close();
  expect(error).toBeInstanceOf(UnavailableError);
  expect((error as Error).message).toMatch(/certificate/i);
  expect((error as Error).message).not.toContain('guest:guest');

  const event = await roundTrip({ rabbitmqUrl: url, verifySsl: false });
  expect(event.aggregateId).toBe('parcel-tls');
}, 30_000);
