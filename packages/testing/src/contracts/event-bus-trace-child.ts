// A second service for the event-bus contract's two-process trace case. It creates a bus from the
// adapter's factory module with a tracer provider of its own, subscribes the seed's two handlers
// (OrderProjection, NotificationService), starts consuming, prints `READY`, and once both handlers
// ran prints every finished span as one JSON line prefixed with `SPANS `, then exits.
//   FACTORY_MODULE  URL of the module exporting `createBus(options)`
//   SCOPE, GROUP    the bus's scope and consumer group (the parent publishes to the same scope)
import { installProcessSpanCapture } from '../span-process.ts';
import { ContractItemAdded, contractRegistry } from './fixtures.ts';
import type { ContractBusFactory } from './event-bus-contract-types.ts';

const capture = installProcessSpanCapture();
const { tracerProvider } = capture;

const { FACTORY_MODULE: factoryModule, SCOPE: scope, GROUP: consumerGroup } = process.env;
if (factoryModule === undefined || scope === undefined || consumerGroup === undefined) {
  console.error('FACTORY_MODULE, SCOPE and GROUP are required');
  process.exit(2);
}
const { createBus } = (await import(factoryModule)) as { createBus: ContractBusFactory };
const bus = await createBus({ scope, consumerGroup, registry: contractRegistry(), tracerProvider });

const handled = Promise.withResolvers<void>();
const seen = new Set<string>();
const note = (name: string) => () => {
  seen.add(name);
  if (seen.size === 2) handled.resolve();
};
bus.subscribe(ContractItemAdded, { name: 'OrderProjection', handle: note('OrderProjection') });
bus.subscribe(ContractItemAdded, { name: 'NotificationService', handle: note('NotificationService') });
await bus.startConsuming();
console.log('READY');

const timer = setTimeout(
  () => handled.reject(new Error('the published event never reached both handlers')),
  30_000,
);
try {
  await handled.promise;
  // The consumer span ends right after the handlers return.
  await new Promise((resolve) => setTimeout(resolve, 200));
} finally {
  clearTimeout(timer);
  await bus.close();
}
await capture.print();
process.exit(0);
