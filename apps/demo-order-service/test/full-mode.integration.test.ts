import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { serviceAddresses } from '@eventsource/services';
import { runDemo } from '../src/driver/demo-run.ts';
import { buses } from '../src/platform/buses.ts';
import { findChain } from './trace-chain.ts';

/** The seed names the consumer span `process` for Redis Streams, `consume` elsewhere. */
function consumerSpanName(bus: string): string {
  return bus === 'redis' ? 'eventsource.event_bus.process' : 'eventsource.event_bus.consume';
}

const pool = new pg.Pool({ connectionString: serviceAddresses().postgresUrl, max: 2 });
const schemas: string[] = [];

afterAll(async () => {
  // Each run owns its schema (unique name); nothing shared is touched.
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

describe.each(Object.keys(buses))('full mode on PostgreSQL and %s, traced to Jaeger', (bus) => {
  it('shows one request as one trace across both services, and answers from the read model', async () => {
    const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const schema = `demo_e2e_${suffix}`;
    schemas.push(schema);
    const result = await runDemo({
      mode: 'full',
      bus,
      schema,
      destinationPrefix: `demo-e2e-${suffix}`,
      consumerGroup: `order-worker-${suffix}`,
      jaegerQueryUrl: serviceAddresses().jaegerQueryUrl,
    });
    const step = (label: string) => result.steps.find((candidate) => candidate.label === label)!;
    expect(result.steps.map((candidate) => candidate.status)).toEqual([201, 200, 200, 200, 200, 400, 200]);

    const placed = step('place order');
    expect(new Set(placed.spans.map((span) => span.serviceName))).toEqual(
      new Set(['order-service', 'order-worker']),
    );
    const chain = findChain(placed.spans, [
      { service: 'order-service', name: 'POST /orders/:orderId/place', kind: 'server' },
      { service: 'order-service', name: 'eventsource.repository.save' },
      { service: 'order-service', name: 'postgresql_event_store.append_events', relation: 'child' },
      {
        service: 'order-service',
        name: 'eventsource.event_bus.publish',
        kind: 'producer',
        relation: 'child',
      },
      { service: 'order-worker', name: consumerSpanName(bus), kind: 'consumer', relation: 'child' },
      { service: 'order-worker', name: 'eventsource.event_bus.dispatch', relation: 'child' },
    ]);
    const dispatch = chain.at(-1)!;
    expect(dispatch.span.attributes['eventsource.handler.count']).toBe(2);
    expect(
      dispatch.children.map((child) => [child.span.name, child.span.attributes['eventsource.handler.name']]),
    ).toEqual([
      ['eventsource.event_bus.handle', 'OrderProjection'],
      ['eventsource.event_bus.handle', 'NotificationService'],
    ]);
    expect(chain[3]!.span.attributes['messaging.system']).toBe(bus);

    // The read model (written by the worker) answers the get, at the version the place answered.
    expect(step('get order (read model)').body).toMatchObject({
      orderId: result.orderId,
      status: 'placed',
      version: 5,
      totalCents: 2500,
      items: [{ sku: 'espresso-beans', quantity: 2, unitPriceCents: 1250 }],
    });

    // The bad request was refused before anything was written.
    expect(step('bad request').body).toMatchObject({ error: 'invalid_request' });
    const stored = await pool.query<{ count: string }>(
      `SELECT count(*) AS count FROM "${schema}".events WHERE aggregate_id = $1`,
      [result.orderId],
    );
    expect(Number(stored.rows[0]!.count)).toBe(5);
    expect(step('bad request').spans.some((span) => span.name === 'eventsource.repository.save')).toBe(false);
  }, 120_000);
});
