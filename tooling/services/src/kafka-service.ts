import { randomBytes } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readLivePid, startDetached, stopDetached } from './detached-process.ts';
import { ensureKafkaJars, kafkaDistributionDirectory } from './kafka-distribution.ts';
import type { NativeService, ServiceContext } from './native-service.ts';
import { findExecutable, runCommand } from './run-command.ts';
import { loopbackEndpoint } from './service-endpoint.ts';

/**
 * Broker settings shared with `docker-compose.yml`: one node is broker and KRaft controller, so
 * every internal topic has a single replica; topics are created on first use with three
 * partitions; a consumer group rebalances as soon as its first member joins.
 */
function serverProperties(context: ServiceContext): string {
  const { host, port } = loopbackEndpoint(context.addresses.kafkaBrokers[0] ?? '127.0.0.1:9092', 9092);
  const controllerPort = port + 1;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(context.stateDirectory, 'data')}`,
    'num.partitions=3',
    'auto.create.topics.enable=true',
    'delete.topic.enable=true',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

const log4jProperties = [
  'status = warn',
  'appender.console.type = Console',
  'appender.console.name = STDOUT',
  'appender.console.layout.type = PatternLayout',
  'appender.console.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = INFO',
  'rootLogger.appenderRef.stdout.ref = STDOUT',
  'logger.stateChange.name = state.change.logger',
  'logger.stateChange.level = WARN',
  '',
].join('\n');

/** A KRaft cluster id: 16 random bytes, base64url, not starting with `-` (it would read as an option). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

function javaArguments(
  context: ServiceContext,
  libraries: string,
  mainClass: string,
  args: readonly string[],
): string[] {
  return [
    '-Xms256m',
    '-Xmx512m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(context.stateDirectory, 'log4j2.properties')}`,
    '-cp',
    join(libraries, '*'),
    mainClass,
    ...args,
  ];
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * Apache Kafka at the pinned version, single-node KRaft, run from its jars on Java 17. The
 * storage is formatted once under `.services/kafka/data` with a fresh cluster id.
 */
export const kafkaService: NativeService = {
  name: 'kafka',
  startTimeoutMs: 120_000,
  endpoint: (addresses) => loopbackEndpoint(addresses.kafkaBrokers[0] ?? '127.0.0.1:9092', 9092),
  logFile: (context) => join(context.stateDirectory, 'kafka.log'),

  async missingPackages(context) {
    const missing: string[] = [];
    if ((await findExecutable('java')) === undefined) missing.push('openjdk-17-jre-headless');
    const jarsCached = await exists(join(kafkaDistributionDirectory(context.cacheDirectory), 'complete'));
    if (!jarsCached && (await findExecutable('mvn')) === undefined) missing.push('maven');
    return missing;
  },

  prepareLogFile: (context) => join(context.stateDirectory, 'maven.log'),

  async prepare(context: ServiceContext) {
    await mkdir(context.stateDirectory, { recursive: true });
    const java = await runCommand('java', ['-version']);
    const major = /version "(\d+)/.exec(java.output)?.[1];
    if (major === undefined || Number(major) < 17) {
      throw new Error(`Kafka needs Java 17 or newer (java -version: ${java.output.split('\n')[0]})`);
    }
    await ensureKafkaJars(context.cacheDirectory, this.prepareLogFile!(context), context.report);
  },

  async start(context: ServiceContext) {
    const directory = context.stateDirectory;
    const libraries = join(kafkaDistributionDirectory(context.cacheDirectory), 'libs');
    const properties = join(directory, 'server.properties');
    await mkdir(join(directory, 'data'), { recursive: true });
    await writeFile(properties, serverProperties(context));
    await writeFile(join(directory, 'log4j2.properties'), log4jProperties);
    if (!(await exists(join(directory, 'data', 'meta.properties')))) {
      const format = await runCommand(
        'java',
        javaArguments(context, libraries, 'kafka.tools.StorageTool', [
          'format',
          '--cluster-id',
          newClusterId(),
          '--config',
          properties,
          '--ignore-formatted',
        ]),
        { cwd: directory, logFile: this.logFile(context), timeoutMs: 120_000 },
      );
      if (format.exitCode !== 0)
        throw new Error(`formatting the KRaft storage failed (exit ${format.exitCode})`);
    }
    await startDetached({
      command: 'java',
      args: javaArguments(context, libraries, 'kafka.Kafka', [properties]),
      cwd: directory,
      logFile: this.logFile(context),
      pidFile: join(directory, 'kafka.pid'),
    });
  },

  runningPid: (context) => readLivePid(join(context.stateDirectory, 'kafka.pid'), 'kafka.Kafka'),

  stop: (context) => stopDetached(join(context.stateDirectory, 'kafka.pid'), 'kafka.Kafka', 30_000),
};
