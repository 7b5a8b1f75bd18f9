import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { captureTelemetry, sumOf, type TelemetryCapture } from '@eventsource/testing';
import { RedisEventBus } from '../src/index.ts';
import {
  deleteStreams,
  OrderPlaced,
  orderPlaced,
  rawRedis,
  redisUrl,
  testOptions,
  uniquePrefix,
  waitFor,
} from './support.ts';

const fixture = fileURLToPath(new URL('./fixtures/consumer-process.ts', import.meta.url));
const prefix = uniquePrefix('kill');
let telemetry: TelemetryCapture;

beforeAll(() => {
  telemetry = captureTelemetry();
});

afterAll(async () => {
  await deleteStreams(prefix);
  await telemetry.shutdown();
}, 30_000);

it('hands the entries of a consumer killed with kill -9 to another member; nothing is lost', async () => {
  const group = `${prefix}-group`;
  const handledBy = { victim: new Set<string>(), survivor: new Set<string>() };
  const child = spawn(process.execPath, ['--conditions=@eventsource/source', '--no-warnings', fixture], {
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      PREFIX: prefix,
      GROUP: group,
      NAME: 'victim',
      HANDLE_MS: '10',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = Promise.withResolvers<void>();
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'READY') ready.resolve();
      else if (line.startsWith('HANDLED ')) handledBy.victim.add(line.slice('HANDLED '.length));
    }
  });
  const survivor = new RedisEventBus(
    testOptions(prefix, {
      consumerGroup: group,
      consumerName: 'survivor',
      batchSize: 50,
      pendingIdleMs: 1_000,
    }),
  );
  survivor.subscribe(OrderPlaced, async (event) => {
    await new Promise((resolve) => setTimeout(resolve, 10));
    handledBy.survivor.add(event.eventId);
  });
  const redis = rawRedis();
  try {
    await Promise.race([
      ready.promise,
      exited.then(() => {
        throw new Error('the consumer process exited before it was ready');
      }),
    ]);
    await survivor.startConsuming();
    const events = Array.from({ length: 400 }, (_, index) => orderPlaced(`order-${index % 40}`, index));
    await survivor.publish(events);
    await waitFor(() => handledBy.victim.size >= 40, 'the victim handled some entries');
    child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    const victimHandledBeforeKill = handledBy.victim.size;
    const consumers = (await redis.xinfo('CONSUMERS', survivor.streamName, group)) as unknown[][];
    const victim = consumers.find((fields) => fields[1] === 'victim');
    const pendingAtKill = Number(victim?.[3] ?? 0);

    const all = events.map((event) => event.eventId);
    const handledAnywhere = () => all.filter((id) => handledBy.victim.has(id) || handledBy.survivor.has(id));
    await waitFor(() => handledAnywhere().length === all.length, 'every entry handled by someone', 30_000);
    const reclaimedMs = Date.now() - killedAt;
    await waitFor(
      async () => Number((await redis.xpending(survivor.streamName, group))[0]) === 0,
      'nothing left pending',
    );
    const duplicates = all.filter((id) => handledBy.victim.has(id) && handledBy.survivor.has(id)).length;
    const takeovers = sumOf(await telemetry.metric('redis.eventbus.rebalances'));
    console.info(
      JSON.stringify({
        published: all.length,
        victimHandledBeforeKill,
        survivorHandled: handledBy.survivor.size,
        pendingAtKill,
        lost: all.length - handledAnywhere().length,
        duplicates,
        reclaimedMs,
        rebalances: takeovers,
      }),
    );
    expect(pendingAtKill).toBeGreaterThan(0);
    expect(handledAnywhere()).toHaveLength(all.length);
    expect(takeovers).toBeGreaterThanOrEqual(2);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    redis.disconnect();
    await survivor.close();
  }
}, 90_000);
