import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  EventRegistry,
  InMemoryEventStore,
  InvalidArgumentError,
  type ReadAllOptions,
  type StoredEvent,
} from '../src/index.ts';
import { readAllPages, type ReadAllPageRequest } from '../src/kit.ts';
import { captureTelemetry, TaskCreated, type TelemetryCapture } from './support.ts';

/** A log of `size` events at positions 1..size, read through `readAllPages`, recording each page request. */
async function read(size: number, options: ReadAllOptions) {
  const requests: ReadAllPageRequest[] = [];
  const positions: number[] = [];
  for await (const stored of readAllPages(options, async (request) => {
    requests.push(request);
    const page: StoredEvent[] = [];
    for (
      let position = request.fromPosition + 1;
      position <= size && page.length < request.limit;
      position += 1
    ) {
      page.push({ globalPosition: position } as StoredEvent);
    }
    return page;
  })) {
    positions.push(stored.globalPosition);
  }
  return { requests, positions };
}

describe('readAllPages', () => {
  it('reads after fromPosition, page by page, each page starting after the last one', async () => {
    const { requests, positions } = await read(7, { fromPosition: 2, pageSize: 2 });
    expect(positions).toEqual([3, 4, 5, 6, 7]);
    expect(requests.map((request) => [request.fromPosition, request.limit])).toEqual([
      [2, 2],
      [4, 2],
      [6, 2],
    ]);
  });

  it('asks once more after a full last page, and stops at the first short page', async () => {
    const { requests } = await read(4, { pageSize: 2 });
    expect(requests.map((request) => request.fromPosition)).toEqual([0, 2, 4]);
  });

  it('stops after limit events, never asking for more than is left', async () => {
    const { requests, positions } = await read(100, { pageSize: 3, limit: 7 });
    expect(positions).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(requests.map((request) => request.limit)).toEqual([3, 3, 1]);
  });

  it('reads nothing for a limit of 0, and 500 events a page by default', async () => {
    expect((await read(10, { limit: 0 })).requests).toEqual([]);
    expect((await read(10, {})).requests.map((request) => request.limit)).toEqual([500]);
  });

  it('passes the filters, copied once, to every page', async () => {
    const eventTypes = ['TaskCreated'];
    const requests: ReadAllPageRequest[] = [];
    const pages = readAllPages({ eventTypes, pageSize: 1 }, async (request) => {
      requests.push(request);
      return requests.length < 3 ? [{ globalPosition: requests.length } as StoredEvent] : [];
    });
    for await (const _stored of pages) eventTypes.push('Changed');
    expect(requests.map((request) => request.eventTypes)).toEqual([
      ['TaskCreated'],
      ['TaskCreated'],
      ['TaskCreated'],
    ]);
    expect(requests.every((request) => request.aggregateTypes === undefined)).toBe(true);
  });

  it.each<[string, ReadAllOptions]>([
    ['pageSize 0', { pageSize: 0 }],
    ['pageSize 1.5', { pageSize: 1.5 }],
    ['limit -1', { limit: -1 }],
    ['limit 2.5', { limit: 2.5 }],
    ['fromPosition NaN', { fromPosition: Number.NaN }],
    ['fromPosition 1.5', { fromPosition: 1.5 }],
  ])('refuses %s with InvalidArgumentError before reading', async (_name, options) => {
    let reads = 0;
    const pages = readAllPages(options, async () => {
      reads += 1;
      return [];
    });
    await expect(pages.next()).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(reads).toBe(0);
  });
});

describe('InMemoryEventStore.readAll', () => {
  let telemetry: TelemetryCapture;
  beforeAll(() => {
    telemetry = captureTelemetry();
  });
  afterAll(async () => {
    await telemetry.shutdown();
  });

  it('pages through readAllPages with one read_all span per page', async () => {
    const registry = new EventRegistry();
    registry.register(TaskCreated);
    const store = new InMemoryEventStore({ eventRegistry: registry });
    const events = [1, 2, 3].map((index) =>
      TaskCreated.create({ title: `t${index}` }, { aggregateId: `task-${index}` }),
    );
    for (const event of events) await store.appendEvents(event.aggregateId, 'Task', [event], 'no_stream');
    telemetry.reset();
    const seen: number[] = [];
    for await (const stored of store.readAll({ pageSize: 2 })) seen.push(stored.globalPosition);
    expect(seen).toEqual([1, 2, 3]);
    const pages = telemetry.spans().filter((span) => span.name === 'in_memory_event_store.read_all');
    expect(
      pages.map((span) => [
        span.attributes['eventsource.from_position'],
        span.attributes['eventsource.event.count'],
      ]),
    ).toEqual([
      [0, 2],
      [2, 1],
    ]);
    await expect(store.readAll({ pageSize: 0 })[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});
