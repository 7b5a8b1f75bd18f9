import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { serviceAddresses } from '../src/addresses.ts';
import { uniqueName } from './unique-name.ts';

describe('Redis streams through ioredis', () => {
  const writer = new Redis(serviceAddresses().redisUrl, { maxRetriesPerRequest: 1 });
  const reader = new Redis(serviceAddresses().redisUrl, { maxRetriesPerRequest: 1 });
  const stream = uniqueName('smoke-stream');

  afterAll(async () => {
    await writer.del(stream);
    writer.disconnect();
    reader.disconnect();
  });

  it('reads back with XREAD what XADD appended', async () => {
    const first = await writer.xadd(stream, '*', 'type', 'OrderPlaced', 'data', '{"orderId":"o-1"}');
    const second = await writer.xadd(stream, '*', 'type', 'ItemAdded', 'data', '{"sku":"s-1"}');
    const read = await reader.xread('COUNT', 10, 'STREAMS', stream, '0');
    expect(read).toEqual([
      [
        stream,
        [
          [first, ['type', 'OrderPlaced', 'data', '{"orderId":"o-1"}']],
          [second, ['type', 'ItemAdded', 'data', '{"sku":"s-1"}']],
        ],
      ],
    ]);
  });

  it('wakes a blocked XREAD when an entry is appended', async () => {
    const blocked = reader.xread('BLOCK', 10_000, 'STREAMS', stream, '$');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const id = await writer.xadd(stream, '*', 'type', 'OrderShipped');
    expect(await blocked).toEqual([[stream, [[id, ['type', 'OrderShipped']]]]]);
  });
});
