// Recovery after faults (issue 10, point 5): how much a killed consumer's successor replays, and
// how soon consumption resumes after the broker is killed with SIGKILL and restarted. The broker
// restarts run on a broker of the test's own (own-kafka.ts); the shared one is never touched.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KafkaEventBus, KafkaMetricNames, type KafkaEventBusOptions } from '../src/index.ts';
import { startOwnKafka, type OwnKafka } from './own-kafka.ts';
import {
  deleteTopics,
  meterCapture,
  OrderCreated,
  orderCreated,
  orderRegistry,
  pointsOf,
  testOptions,
  uniquePrefix,
  waitFor,
} from './support.ts';

const fixture = fileURLToPath(new URL('./fixtures/recovery-consumer.ts', import.meta.url));
const prefixes: string[] = [];

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteTopics(prefix)));
}, 30_000);

interface ConsumerProcess {
  /** Aggregate ids of the events handled, in order. */
  readonly handled: string[];
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  kill(): void;
}

/** Runs fixtures/recovery-consumer.ts in a Node process of its own. */
function consumerProcess(prefix: string): ConsumerProcess {
  const child = spawn(process.execPath, ['--conditions=@eventsource/source', '--no-warnings', fixture], {
    env: { ...process.env, PREFIX: prefix, LIFETIME_MS: '60000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const handled: string[] = [];
  const ready = Promise.withResolvers<void>();
  const exited = Promise.withResolvers<void>();
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'READY') ready.resolve();
      else if (line.startsWith('order-')) handled.push(line);
    }
  });
  child.on('close', (code, signal) => {
    ready.reject(new Error(`The consumer process ended before it was ready (${code ?? signal})`));
    exited.resolve();
  });
  ready.promise.catch(() => undefined);
  return {
    handled,
    ready: ready.promise,
    exited: exited.promise,
    kill: () => void child.kill('SIGKILL'),
  };
}

describe('a consumer killed with SIGKILL mid-stream', () => {
  it('leaves its successor at most about commitEveryMessages (default 100) events to replay', async () => {
    const prefix = uniquePrefix('replay');
    prefixes.push(prefix);
    const total = 3_000;
    const killAfter = 1_250;
    {
      await using publisher = new KafkaEventBus(
        testOptions(prefix, { registry: orderRegistry(), numPartitions: 1 }),
      );
      await publisher.publish(Array.from({ length: total }, (_, index) => orderCreated(`order-${index}`)));
    }

    const first = consumerProcess(prefix);
    try {
      await first.ready;
      await waitFor(() => first.handled.length >= killAfter, `${killAfter} events handled`, 30_000);
    } finally {
      first.kill();
      await first.exited;
    }
    const handledFirst = new Set(first.handled);
    expect(handledFirst.size).toBeLessThan(total);

    const successor = consumerProcess(prefix);
    try {
      await waitFor(
        () => new Set([...handledFirst, ...successor.handled]).size === total,
        'every event handled by one of the two',
        40_000,
      );
    } finally {
      successor.kill();
      await successor.exited;
    }
    const replayed = successor.handled.filter((id) => handledFirst.has(id)).length;
    process.stdout.write(`recovery: handled ${handledFirst.size} before the kill, replayed ${replayed}\n`);
    // An offset is committed after at most 100 handled events; one more may be handled, not resolved.
    expect(replayed).toBeLessThanOrEqual(101);
  }, 80_000);
});

describe('a broker killed with SIGKILL and restarted', () => {
  let kafka: OwnKafka | undefined;

  beforeAll(async () => {
    kafka = await startOwnKafka(60_000);
  }, 70_000);

  afterAll(async () => {
    await kafka?.stop();
  }, 30_000);

  interface Recovery {
    /** From the kill to the broker answering a metadata request again. */
    readonly answeredAfterKillMs: number;
    /** From the broker answering to the first event published after the restart being handled. */
    readonly resumedAfterAnsweringMs: number;
    /** kafkajs restarts of the consumer (each one a new group member) during the outage. */
    readonly reconnections: number;
  }

  /** Consumes with `options`, kills and restarts the broker, measures how soon consumption resumes. */
  async function measureRecovery(
    name: string,
    options: KafkaEventBusOptions,
    downForMs: number,
  ): Promise<Recovery> {
    const broker = kafka!;
    const prefix = uniquePrefix(name);
    const base = {
      bootstrapServers: broker.broker,
      topicPrefix: prefix,
      registry: orderRegistry(),
      numPartitions: 1,
    };
    const meters = meterCapture();
    const consumer = new KafkaEventBus({
      ...base,
      consumerGroup: `${prefix}-group`,
      meterProvider: meters.meterProvider,
      ...options,
    });
    const publisher = new KafkaEventBus({
      ...base,
      requestTimeoutMs: 2_000,
      connectionTimeoutMs: 1_000,
      clientRetry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
    });
    const handled = new Map<string, number>();
    consumer.subscribe(OrderCreated, (event) => void handled.set(event.aggregateId, Date.now()));
    try {
      await consumer.startConsuming();
      await publisher.publish([orderCreated('before-restart')]);
      await waitFor(() => handled.has('before-restart'), 'the first event is handled', 20_000);

      const reconnections = async (): Promise<number> =>
        pointsOf(await meters.metric(KafkaMetricNames.reconnections))[0]?.value ?? 0;
      // kafkajs may restart a consumer that joined while the coordinator was still loading.
      const reconnectionsBefore = await reconnections();
      await broker.kill();
      const killedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, downForMs));
      await broker.restart();
      const answeredAt = await broker.waitUntilAnswering(40_000);

      // One event every 200 ms until one is handled: the measure includes publishing it.
      const deadline = answeredAt + 25_000;
      let resumedAt: number | undefined;
      for (let index = 0; resumedAt === undefined && Date.now() < deadline; index += 1) {
        await publisher.publish([orderCreated(`after-restart-${index}`)]).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 200));
        resumedAt = [...handled].find(([id]) => id.startsWith('after-restart-'))?.[1];
      }
      if (resumedAt === undefined) throw new Error(`${name}: not resumed 25 s after the broker answered`);
      const recovery = {
        answeredAfterKillMs: answeredAt - killedAt,
        resumedAfterAnsweringMs: resumedAt - answeredAt,
        reconnections: (await reconnections()) - reconnectionsBefore,
      };
      process.stdout.write(`recovery ${name}: ${JSON.stringify(recovery)}\n`);
      return recovery;
    } finally {
      await consumer.close();
      await publisher.close();
      await meters.shutdown();
    }
  }

  it('keeps the consumer in its group: it resumes within 10 s of the broker answering again', async () => {
    // Down for longer than kafkajs' own retries last (about 9 s; 11 s under NODE_ENV=test), after
    // which it would restart the consumer as a new member: that member waited out the 30 s session.
    const recovery = await measureRecovery('restart', {}, 12_000);
    expect(recovery.reconnections).toBe(0);
    expect(recovery.resumedAfterAnsweringMs).toBeLessThan(10_000);
  }, 80_000);

  it('a consumer kafkajs restarted does not wait out its 30 s session, only rebalanceTimeoutMs', async () => {
    // No outage tolerance: the consumer crashes at once and kafkajs restarts it as a new member.
    const recovery = await measureRecovery('selfrestart', { brokerOutageToleranceMs: 0 }, 0);
    expect(recovery.reconnections).toBeGreaterThanOrEqual(1);
    expect(recovery.resumedAfterAnsweringMs).toBeLessThan(10_000);
  }, 80_000);
});
