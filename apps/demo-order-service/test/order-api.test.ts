import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { FastifyInstance } from 'fastify';
import { getLogger } from '@eventsource/core';
import { buildHttpApp } from '../src/order-service/http-app.ts';
import { openOrderBackend, type OrderBackend } from '../src/order-service/order-backend.ts';
import type { Settings } from '../src/platform/settings.ts';
import { SQLiteOrderReadModel } from '../src/read-model/sqlite-order-read-model.ts';

const file = join(mkdtempSync(join(tmpdir(), 'order-api-')), 'orders.db');
const settings: Settings = {
  mode: 'embedded',
  sqliteFile: file,
  postgresUrl: 'unused',
  schema: 'unused',
  bus: 'kafka',
  destinationPrefix: 'unused',
  consumerGroup: 'unused',
  kafkaBrokers: 'unused',
  rabbitmqUrl: 'unused',
  redisUrl: 'unused',
  port: 0,
  host: '127.0.0.1',
};

describe('order API (embedded backend, in process)', () => {
  let backend: OrderBackend;
  let app: FastifyInstance;
  const telemetry = {
    prometheus: new PrometheusExporter({ preventServerStart: true }),
    shutdown: async () => {},
  };

  beforeAll(async () => {
    backend = await openOrderBackend(settings);
    app = buildHttpApp(backend, telemetry, getLogger('demo.test'));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await backend.close();
  });

  const post = (url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, ...(payload === undefined ? {} : { payload }), headers });
  const storedVersion = async (orderId: string) =>
    (await backend.eventStore.getEvents(orderId, 'Order')).version;

  it('creates, fills and places an order; each answer carries its version', async () => {
    const created = await post('/orders', { orderId: 'api-1', customerId: 'c-1' });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe('/orders/api-1');
    expect(created.json()).toEqual({ orderId: 'api-1', version: 1, status: 'draft' });
    const added = await post('/orders/api-1/items', { sku: 'tea', quantity: 3, unitPriceCents: 400 });
    expect(added.json()).toEqual({ orderId: 'api-1', version: 2, status: 'draft' });
    expect((await post('/orders/api-1/place')).json()).toEqual({
      orderId: 'api-1',
      version: 3,
      status: 'placed',
    });
  });

  it('answers 400 with a JSON error for bad bodies and writes nothing', async () => {
    await post('/orders', { orderId: 'api-2', customerId: 'c-2' });
    for (const payload of [
      { sku: 'tea', quantity: 0, unitPriceCents: 400 },
      { sku: 'tea', quantity: 1 },
      { sku: 'tea', quantity: 1, unitPriceCents: 400, discount: 5 },
      { sku: 'no spaces allowed', quantity: 1, unitPriceCents: 400 },
    ]) {
      const response = await post('/orders/api-2/items', payload);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: 'invalid_request', message: expect.any(String) });
    }
    const notJson = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: '{"customerId":',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({ error: 'invalid_request' });
    expect(await storedVersion('api-2')).toBe(1);
  });

  it('answers 404 for an unknown order, 409 for a stale If-Match or a duplicate create, 422 for a rule', async () => {
    const unknown = await post('/orders/nobody/place');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'not_found', message: 'Order nobody not found' });
    expect((await app.inject({ method: 'GET', url: '/orders/nobody' })).statusCode).toBe(404);

    await post('/orders', { orderId: 'api-3', customerId: 'c-3' });
    const duplicate = await post('/orders', { orderId: 'api-3', customerId: 'c-3' });
    expect(duplicate.statusCode).toBe(409);
    const stale = await post(
      '/orders/api-3/items',
      { sku: 'tea', quantity: 1, unitPriceCents: 1 },
      { 'if-match': '"7"' },
    );
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({
      error: 'concurrency_conflict',
      expectedVersion: 7,
      actualVersion: 1,
    });
    const empty = await post('/orders/api-3/place');
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toEqual({ error: 'rule_violated', message: 'Order api-3 has no items' });
    expect(await storedVersion('api-3')).toBe(1);
  });

  it('reads from the read model, waiting for minVersion; health and readiness answer', async () => {
    await post('/orders', { orderId: 'api-4', customerId: 'c-4' });
    const projector = new SQLiteOrderReadModel(file);
    const read = app.inject({ method: 'GET', url: '/orders/api-4?minVersion=1' });
    const { events } = await backend.eventStore.getEvents('api-4', 'Order');
    for (const event of events) await projector.apply(event);
    await projector.apply(events[0]!);
    const response = await read;
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      orderId: 'api-4',
      customerId: 'c-4',
      status: 'draft',
      version: 1,
    });
    await projector.close();
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ method: 'GET', url: '/ready' })).json()).toEqual({ status: 'ready' });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
  });
});
