import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AggregateRepository, ConcurrencyError, sleep } from '@eventsource/core';
import { Order } from '../domain/order.ts';
import type { OrderLine } from '../domain/order-events.ts';
import type { OrderBackend } from './order-backend.ts';

/** How long GET /orders/:id?minVersion=N waits for the read model to catch up. */
const READ_YOUR_WRITES_TIMEOUT_MS = 5000;

const orderIdParams = {
  type: 'object',
  required: ['orderId'],
  properties: { orderId: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' } },
} as const;
const ifMatchHeaders = {
  type: 'object',
  properties: { 'if-match': { type: 'string', pattern: '^"?[0-9]+"?$' } },
} as const;

const createBody = {
  type: 'object',
  required: ['customerId'],
  additionalProperties: false,
  properties: {
    orderId: orderIdParams.properties.orderId,
    customerId: { type: 'string', minLength: 1, maxLength: 100 },
  },
} as const;
const itemBody = {
  type: 'object',
  required: ['sku', 'quantity', 'unitPriceCents'],
  additionalProperties: false,
  properties: {
    sku: { type: 'string', minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9_-]+$' },
    quantity: { type: 'integer', minimum: 1, maximum: 1000 },
    unitPriceCents: { type: 'integer', minimum: 0, maximum: 100_000_000 },
  },
} as const;
const cancelBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
} as const;
const getQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { minVersion: { type: 'integer', minimum: 0 } },
} as const;

interface OrderParams {
  orderId: string;
}

/** The expected version an `If-Match: "3"` header asks for, if any. */
function expectedVersion(header: string | undefined): number | undefined {
  return header === undefined ? undefined : Number(header.replaceAll('"', ''));
}

/**
 * The order API. Commands load the order (from its latest snapshot plus newer events), run one
 * method and save; with `If-Match` the command only applies to that version (else 409), and a
 * conflicting concurrent save is always a 409: nothing is half-written, the client retries.
 */
export function registerOrderRoutes(app: FastifyInstance, backend: OrderBackend): void {
  const orders = new AggregateRepository({
    eventStore: backend.eventStore,
    aggregateFactory: Order,
    snapshotStore: backend.snapshotStore,
    snapshotThreshold: 5,
  });

  async function command(orderId: string, ifMatch: string | undefined, run: (order: Order) => void) {
    const order = await orders.load(orderId);
    const expected = expectedVersion(ifMatch);
    if (expected !== undefined && expected !== order.version) {
      throw new ConcurrencyError({
        aggregateId: orderId,
        aggregateType: order.aggregateType,
        expectedVersion: expected,
        actualVersion: order.version,
      });
    }
    run(order);
    await orders.save(order);
    return { orderId, version: order.version, status: order.state.status };
  }

  app.post<{ Body: { orderId?: string; customerId: string } }>(
    '/orders',
    { schema: { body: createBody } },
    async function createOrder(request, reply) {
      const order = orders.createNew(request.body.orderId ?? randomUUID());
      order.create(request.body.customerId);
      await orders.save(order);
      return reply
        .status(201)
        .header('location', `/orders/${order.aggregateId}`)
        .send({ orderId: order.aggregateId, version: order.version, status: order.state.status });
    },
  );

  app.post<{ Params: OrderParams; Body: OrderLine; Headers: { 'if-match'?: string } }>(
    '/orders/:orderId/items',
    { schema: { params: orderIdParams, headers: ifMatchHeaders, body: itemBody } },
    function addItem(request) {
      return command(request.params.orderId, request.headers['if-match'], (order) =>
        order.addItem(request.body),
      );
    },
  );

  app.delete<{ Params: OrderParams & { sku: string }; Headers: { 'if-match'?: string } }>(
    '/orders/:orderId/items/:sku',
    {
      schema: {
        params: {
          ...orderIdParams,
          required: ['orderId', 'sku'],
          properties: { ...orderIdParams.properties, sku: itemBody.properties.sku },
        },
        headers: ifMatchHeaders,
      },
    },
    function removeItem(request) {
      return command(request.params.orderId, request.headers['if-match'], (order) =>
        order.removeItem(request.params.sku),
      );
    },
  );

  app.post<{ Params: OrderParams; Headers: { 'if-match'?: string } }>(
    '/orders/:orderId/place',
    { schema: { params: orderIdParams, headers: ifMatchHeaders } },
    function placeOrder(request) {
      return command(request.params.orderId, request.headers['if-match'], (order) => order.place());
    },
  );

  app.post<{ Params: OrderParams; Body: { reason: string }; Headers: { 'if-match'?: string } }>(
    '/orders/:orderId/cancel',
    { schema: { params: orderIdParams, headers: ifMatchHeaders, body: cancelBody } },
    function cancelOrder(request) {
      return command(request.params.orderId, request.headers['if-match'], (order) =>
        order.cancel(request.body.reason),
      );
    },
  );

  // Reads come from the read model the worker maintains, so they are eventually consistent;
  // `minVersion` (the version a command answered) waits until the read model has caught up.
  app.get<{ Params: OrderParams; Querystring: { minVersion?: number } }>(
    '/orders/:orderId',
    { schema: { params: orderIdParams, querystring: getQuery } },
    async function getOrder(request, reply) {
      const minVersion = request.query.minVersion ?? 0;
      const deadline = Date.now() + READ_YOUR_WRITES_TIMEOUT_MS;
      let view = await backend.readModel.get(request.params.orderId);
      while ((view?.version ?? 0) < minVersion && Date.now() < deadline) {
        await sleep(25);
        view = await backend.readModel.get(request.params.orderId);
      }
      if (view === undefined) {
        return reply
          .status(404)
          .send({ error: 'not_found', message: `Order ${request.params.orderId} not found` });
      }
      return view;
    },
  );
}
