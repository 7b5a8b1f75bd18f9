import { randomBytes } from 'node:crypto';

/** One request of the scenario and what came back. */
export interface ScenarioStep {
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
  /** From the `traceresponse` header; absent only if the service sent none. */
  readonly traceId: string | undefined;
}

async function send(
  baseUrl: string,
  label: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ScenarioStep> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const traceId = /^00-([0-9a-f]{32})-/.exec(response.headers.get('traceresponse') ?? '')?.[1];
  return {
    label,
    method,
    path,
    status: response.status,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
    traceId,
  };
}

/**
 * The scripted scenario: create an order, add two items, remove one, place it, send a bad request
 * (answered 400, nothing written), then read the order back from the read model, waiting for the
 * version the place answered (read-your-writes over an eventually consistent read model).
 */
export async function runScenario(baseUrl: string): Promise<{ orderId: string; steps: ScenarioStep[] }> {
  const orderId = `order-${randomBytes(4).toString('hex')}`;
  const steps: ScenarioStep[] = [];
  const step = async (label: string, method: string, path: string, body?: unknown) => {
    const result = await send(baseUrl, label, method, path, body);
    steps.push(result);
    return result;
  };
  await step('create order', 'POST', '/orders', { orderId, customerId: 'customer-42' });
  await step('add item', 'POST', `/orders/${orderId}/items`, {
    sku: 'espresso-beans',
    quantity: 2,
    unitPriceCents: 1250,
  });
  await step('add item', 'POST', `/orders/${orderId}/items`, {
    sku: 'milk-frother',
    quantity: 1,
    unitPriceCents: 3999,
  });
  await step('remove item', 'DELETE', `/orders/${orderId}/items/milk-frother`);
  const placed = await step('place order', 'POST', `/orders/${orderId}/place`);
  await step('bad request', 'POST', `/orders/${orderId}/items`, {
    sku: 'espresso-beans',
    quantity: 0,
    unitPriceCents: 1250,
  });
  const version = (placed.body as { version?: number } | undefined)?.version ?? 0;
  await step('get order (read model)', 'GET', `/orders/${orderId}?minVersion=${version}`);
  return { orderId, steps };
}
