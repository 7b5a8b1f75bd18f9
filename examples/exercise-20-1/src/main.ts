// Tutorial 20, Exercise 1 solution: full observability for a shopping cart.
// Run with: pnpm --dir examples/exercise-20-1 start
import { randomUUID } from 'node:crypto';
import {
  AggregateRepository,
  aggregateHandlers,
  DeclarativeAggregate,
  defineEvent,
  InMemoryEventStore,
  registerEvent,
} from '@eventsource/core';
import {
  ATTR_AGGREGATE_ID,
  ATTR_EVENT_COUNT,
  OTEL_AVAILABLE,
  TracingMixin,
} from '@eventsource/core/observability';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter } from '@opentelemetry/sdk-trace';

if (!OTEL_AVAILABLE) {
  console.log('Install telemetry: pnpm add @opentelemetry/api @opentelemetry/sdk-node');
  process.exit(1);
}

// Step 1: set up OpenTelemetry tracing.
const sdk = new NodeSDK({
  serviceName: 'exercise-20-cart',
  autoDetectResources: false,
  spanProcessors: [new BatchSpanProcessor({ exporter: new ConsoleSpanExporter() })],
});
sdk.start();

// Step 2: cart events.
const ItemAdded = registerEvent(
  defineEvent<{ product: string; quantity: number }, 'ItemAdded'>('ItemAdded', { aggregateType: 'Cart' }),
);
const ItemRemoved = registerEvent(
  defineEvent<{ product: string }, 'ItemRemoved'>('ItemRemoved', { aggregateType: 'Cart' }),
);

// Step 3: the cart aggregate.
interface CartState {
  readonly items: Readonly<Record<string, number>>;
}

const cartHandlers = aggregateHandlers<CartState>()
  .on(ItemAdded, (state, event) => ({
    items: {
      ...state.items,
      [event.data.product]: (state.items[event.data.product] ?? 0) + event.data.quantity,
    },
  }))
  .on(ItemRemoved, (state, event) => ({
    items: Object.fromEntries(
      Object.entries(state.items).filter(([product]) => product !== event.data.product),
    ),
  }));

class CartAggregate extends DeclarativeAggregate<CartState> {
  readonly aggregateType = 'Cart';
  protected readonly handlers = cartHandlers;

  protected getInitialState(): CartState {
    return { items: {} };
  }

  addItem(product: string, quantity = 1): void {
    this.raiseEvent(ItemAdded, { product, quantity });
  }

  removeItem(product: string): void {
    this.raiseEvent(ItemRemoved, { product });
  }
}

// Step 4: a service with custom spans.
class CartService extends TracingMixin {
  readonly #repository: AggregateRepository<CartAggregate>;

  constructor(repository: AggregateRepository<CartAggregate>, enableTracing = true) {
    super();
    this.initTracing('cart-service', enableTracing);
    this.#repository = repository;
  }

  addToCart(cartId: string, product: string, quantity = 1): Promise<CartAggregate> {
    const attributes = { [ATTR_AGGREGATE_ID]: cartId, 'product.name': product, 'product.quantity': quantity };
    return this.createSpanContext('cart_service.add_to_cart', attributes, async (span) => {
      const cart = await this.#repository.loadOrCreate(cartId);
      cart.addItem(product, quantity);
      await this.#repository.save(cart);
      span?.setAttribute(ATTR_EVENT_COUNT, Object.keys(cart.state.items).length);
      return cart;
    });
  }

  removeFromCart(cartId: string, product: string): Promise<CartAggregate> {
    return this.createSpanContext(
      'cart_service.remove_from_cart',
      { [ATTR_AGGREGATE_ID]: cartId, 'product.name': product },
      async () => {
        const cart = await this.#repository.load(cartId);
        cart.removeItem(product);
        await this.#repository.save(cart);
        return cart;
      },
    );
  }

  getCart(cartId: string): Promise<CartAggregate> {
    return this.createSpanContext('cart_service.get_cart', { [ATTR_AGGREGATE_ID]: cartId }, () =>
      this.#repository.load(cartId),
    );
  }
}

console.log('=== Exercise 20-1: Full Observability Setup ===\n');
console.log('Step 1: Creating traced components...');
const repository = new AggregateRepository({
  eventStore: new InMemoryEventStore({ enableTracing: true }),
  aggregateFactory: CartAggregate,
  aggregateType: 'Cart',
  enableTracing: true,
});
const service = new CartService(repository, true);

console.log('\nStep 2: Performing cart operations...');
const cartId = randomUUID();
await service.addToCart(cartId, 'Laptop', 1);
console.log('   Added Laptop to cart');
await service.addToCart(cartId, 'Mouse', 2);
console.log('   Added Mouse (x2) to cart');
await service.addToCart(cartId, 'Keyboard', 1);
console.log('   Added Keyboard to cart');
await service.removeFromCart(cartId, 'Keyboard');
console.log('   Removed Keyboard from cart');
const cart = await service.getCart(cartId);
console.log(`\nCart contents: ${JSON.stringify(cart.state.items)}`);
console.log(`Total items: ${Object.values(cart.state.items).reduce((sum, quantity) => sum + quantity, 0)}`);

console.log('\nStep 3: Flushing traces...');
await sdk.shutdown();
console.log('\n=== Exercise Complete! ===');
