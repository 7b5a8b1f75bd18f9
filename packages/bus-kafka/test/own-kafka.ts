// A single-node KRaft broker of a test's own, for fault tests that kill and restart it: the shared
// broker on 9092 is never touched. It runs from the jars `./pnpmw services:up` cached (see
// tooling/services/src/kafka-service.ts), on two free loopback ports, with a data directory under
// the OS temp directory. The broker runs under `timeout`, so it dies even if the test process is
// killed before it could clean up.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, closeSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';

/** Longest a broker of this helper may live, whatever happens to the test process. */
const LIFETIME_SECONDS = 240;

export interface OwnKafka {
  /** `127.0.0.1:port`. */
  readonly broker: string;
  /** The broker's log (stdout and stderr of every run), for failure messages. */
  readonly logFile: string;
  /** Kills the broker with SIGKILL, as a crash would; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts the broker again on the same ports and data directory. */
  restart(): Promise<void>;
  /** Resolves with `Date.now()` at the first metadata request the broker answers. */
  waitUntilAnswering(timeoutMs: number): Promise<number>;
  /** Kills the broker and deletes its data directory. Idempotent. */
  stop(): Promise<void>;
}

/** The directory of the broker's jars that `services:up` fetched (`EVENTSOURCE_SERVICES_CACHE_DIR`). */
function kafkaLibraries(): string {
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const cache = process.env.EVENTSOURCE_SERVICES_CACHE_DIR ?? join(cacheHome, 'eventsource-services');
  const distribution = existsSync(cache)
    ? readdirSync(cache)
        .filter((name) => name.startsWith('kafka-') && existsSync(join(cache, name, 'complete')))
        .sort()
        .at(-1)
    : undefined;
  if (distribution === undefined)
    throw new Error(`No Kafka jars under ${cache}: run ./pnpmw services:up once first`);
  return join(cache, distribution, 'libs');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

function serverProperties(port: number, controllerPort: number, dataDirectory: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDirectory}`,
    'num.partitions=1',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // A restarted node may register only once its previous registration's session expired.
    'broker.session.timeout.ms=3000',
    'broker.heartbeat.interval.ms=500',
    '',
  ].join('\n');
}

const LOG4J = [
  'status = warn',
  'appender.console.type = Console',
  'appender.console.name = STDOUT',
  'appender.console.layout.type = PatternLayout',
  'appender.console.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = WARN',
  'rootLogger.appenderRef.stdout.ref = STDOUT',
  '',
].join('\n');

/** Runs java under `timeout` in a process group of its own, so one signal reaches both. */
function runJava(
  directory: string,
  logFile: string,
  mainClass: string,
  args: readonly string[],
): ChildProcess {
  const log = openSync(logFile, 'a');
  try {
    return spawn(
      'timeout',
      [
        '--signal=KILL',
        String(LIFETIME_SECONDS),
        'java',
        '-Xms128m',
        '-Xmx384m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(directory, 'log4j2.properties')}`,
        '-cp',
        join(kafkaLibraries(), '*'),
        mainClass,
        ...args,
      ],
      { cwd: directory, detached: true, stdio: ['ignore', log, log] },
    );
  } finally {
    closeSync(log);
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

async function answers(broker: string): Promise<boolean> {
  const admin = new kafkajs.Kafka({
    brokers: [broker],
    clientId: 'own-kafka-probe',
    connectionTimeout: 500,
    requestTimeout: 1_000,
    retry: { retries: 0 },
    logLevel: kafkajs.logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Formats a fresh data directory and starts the broker; resolves once it answers. */
export async function startOwnKafka(startTimeoutMs = 60_000): Promise<OwnKafka> {
  const directory = mkdtempSync(join(tmpdir(), 'own-kafka-'));
  const dataDirectory = join(directory, 'data');
  const properties = join(directory, 'server.properties');
  const logFile = join(directory, 'kafka.log');
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const broker = `127.0.0.1:${port}`;
  writeFileSync(properties, serverProperties(port, controllerPort, dataDirectory));
  writeFileSync(join(directory, 'log4j2.properties'), LOG4J);
  let running: ChildProcess | undefined;
  const onExit = (): void => {
    if (running !== undefined) killGroup(running);
  };
  process.once('exit', onExit);

  const format = runJava(directory, logFile, 'kafka.tools.StorageTool', [
    'format',
    '--cluster-id',
    clusterId(),
    '--config',
    properties,
    '--ignore-formatted',
  ]);
  running = format;
  const formatTimer = setTimeout(() => killGroup(format), startTimeoutMs);
  const formatCode = await exited(format);
  clearTimeout(formatTimer);
  if (formatCode !== 0) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(`Formatting the KRaft storage failed (exit ${formatCode}), see ${logFile}`);
  }

  const ownKafka: OwnKafka = {
    broker,
    logFile,
    async kill() {
      if (running === undefined) return;
      const current = running;
      killGroup(current);
      await exited(current);
    },
    async restart() {
      await this.kill();
      running = runJava(directory, logFile, 'kafka.Kafka', [properties]);
    },
    async waitUntilAnswering(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (await answers(broker)) return Date.now();
        if (running !== undefined && (running.exitCode !== null || running.signalCode !== null))
          throw new Error(`The broker exited (code ${running.exitCode}), see ${logFile}`);
        if (Date.now() > deadline)
          throw new Error(`The broker on ${broker} did not answer within ${timeoutMs} ms, see ${logFile}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      await this.kill();
      running = undefined;
      process.off('exit', onExit);
      rmSync(directory, { recursive: true, force: true });
    },
  };
  try {
    await ownKafka.restart();
    await ownKafka.waitUntilAnswering(startTimeoutMs);
  } catch (error) {
    await ownKafka.stop();
    throw error;
  }
  return ownKafka;
}
