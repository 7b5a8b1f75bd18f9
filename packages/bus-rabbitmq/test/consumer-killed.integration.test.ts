// A member of a consumer group is killed with SIGKILL while it holds unacknowledged messages: the
// broker gives them to the other member, and every event is handled.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from '@jest/globals';
import { RabbitMQEventBus } from '../src/index.ts';
import {
  deleteTopology,
  ParcelRegistered,
  parcelRegistered,
  testOptions,
  uniqueExchange,
  waitFor,
} from './support.ts';

const fixture = fileURLToPath(new URL('./fixtures/consumer-process.ts', import.meta.url));
const exchange = uniqueExchange('killed');
const group = 'couriers';
let child: ChildProcess | undefined;

afterAll(async () => {
  child?.kill('SIGKILL');
  await deleteTopology(exchange, [group]);
}, 30_000);

it('hands a killed member’s unacknowledged messages to another member, losing nothing', async () => {
  const started = new Set<string>();
  const handledByChild = new Set<string>();
  const ready = Promise.withResolvers<void>();
  child = spawn(process.execPath, ['--conditions=@eventsource/source', '--no-warnings', fixture], {
    env: { ...process.env, EXCHANGE: exchange, GROUP: group, HANDLE_MS: '20', PREFETCH: '10' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.once('exit', (code) => ready.reject(new Error(`The consumer process exited (${code})`)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [word, eventId] = line.split(' ');
    if (word === 'READY') ready.resolve();
    else if (word === 'STARTED') started.add(eventId!);
    else if (word === 'HANDLED') handledByChild.add(eventId!);
  });
  await ready.promise;

  const survivor = new RabbitMQEventBus(testOptions(exchange, { consumerGroup: group, prefetchCount: 10 }));
  const handledBySurvivor = new Map<string, number>();
  const survivorAt = new Map<string, number>();
  survivor.subscribe(ParcelRegistered, async (event) => {
    handledBySurvivor.set(event.eventId, (handledBySurvivor.get(event.eventId) ?? 0) + 1);
    survivorAt.set(event.eventId, performance.now());
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
  try {
    await survivor.startConsuming();
    const events = Array.from({ length: 300 }, (_, index) => parcelRegistered(`parcel-${index}`));
    await survivor.publish(events);

    // Kill it mid-way: some events handled, several received and not yet acknowledged.
    await waitFor(
      () => handledByChild.size >= 40 && started.size - handledByChild.size >= 5,
      'the child handled some events and holds others',
    );
    child.kill('SIGKILL');
    const killedAt = performance.now();
    await new Promise((resolve) => child!.once('close', resolve));
    // Read once its output closed: every line the child wrote before dying has arrived.
    const handledBeforeKill = new Set(handledByChild);
    const inFlightAtKill = [...started].filter((eventId) => !handledBeforeKill.has(eventId));

    const allIds = events.map((event) => event.eventId);
    await waitFor(
      () => allIds.every((eventId) => handledBySurvivor.has(eventId) || handledBeforeKill.has(eventId)),
      'every event was handled by one member or the other',
      30_000,
    );
    const lost = allIds.filter(
      (eventId) => !handledBySurvivor.has(eventId) && !handledBeforeKill.has(eventId),
    );
    const duplicates = allIds.filter(
      (eventId) => handledBySurvivor.has(eventId) && handledBeforeKill.has(eventId),
    );
    const redeliveredAfterMs =
      Math.max(...inFlightAtKill.map((eventId) => survivorAt.get(eventId) ?? Infinity)) - killedAt;
    console.info(
      'consumer kill -9 figures',
      JSON.stringify({
        events: allIds.length,
        handledByKilledMember: handledBeforeKill.size,
        unacknowledgedAtKill: inFlightAtKill.length,
        lost: lost.length,
        duplicates: duplicates.length,
        lastRedeliveryAfterKillMs: Math.round(redeliveredAfterMs),
      }),
    );
    expect(lost).toEqual([]);
    expect(inFlightAtKill.length).toBeGreaterThan(0);
    for (const eventId of inFlightAtKill) expect(handledBySurvivor.has(eventId)).toBe(true);
  } finally {
    await survivor.close();
  }
}, 60_000);
