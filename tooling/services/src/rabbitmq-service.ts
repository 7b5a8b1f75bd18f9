import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDebianPackageInstalled } from './debian-packages.ts';
import { readLivePid, startDetached, stopDetached } from './detached-process.ts';
import type { NativeService, ServiceContext } from './native-service.ts';
import { runCommand } from './run-command.ts';
import { loopbackEndpoint } from './service-endpoint.ts';

const serverScript = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const nodeName = 'eventsource@localhost';

/**
 * Environment of the broker: every path in `.services/rabbitmq` (the system configuration in
 * /etc/rabbitmq is ignored), every listener on loopback, the log on stdout. `HOME` holds the
 * node's Erlang cookie.
 */
function brokerEnvironment(context: ServiceContext): NodeJS.ProcessEnv {
  const directory = context.stateDirectory;
  const amqp = loopbackEndpoint(context.addresses.rabbitmqUrl, 5672);
  return {
    ...process.env,
    HOME: directory,
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: amqp.host,
    RABBITMQ_NODE_PORT: String(amqp.port),
    RABBITMQ_DIST_PORT: String(amqp.port + 20000),
    RABBITMQ_CONF_ENV_FILE: join(directory, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(directory, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(directory, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(directory, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(directory, 'mnesia'),
    RABBITMQ_LOG_BASE: directory,
    RABBITMQ_LOGS: '-',
    RABBITMQ_PID_FILE: join(directory, 'beam.pid'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `-kernel inet_dist_use_interface {${amqp.host.replaceAll('.', ',')}}`,
    ERL_EPMD_ADDRESS: amqp.host,
  };
}

/** Stops the Erlang port mapper the broker started, unless other Erlang nodes still use it. */
async function stopIdlePortMapper(): Promise<void> {
  const names = await runCommand('epmd', ['-names']);
  if (names.exitCode !== 0 || /^name /m.test(names.output)) return;
  await runCommand('epmd', ['-kill']);
}

/**
 * RabbitMQ from Debian's `rabbitmq-server` (3.10 on Debian 12) with the management plugin, run
 * in the foreground as the invoking user. The default `guest` user works because clients connect
 * over loopback.
 */
export const rabbitmqService: NativeService = {
  name: 'rabbitmq',
  startTimeoutMs: 90_000,
  endpoint: (addresses) => loopbackEndpoint(addresses.rabbitmqUrl, 5672),
  logFile: (context) => join(context.stateDirectory, 'rabbitmq.log'),

  async missingPackages() {
    return (await isDebianPackageInstalled('rabbitmq-server')) ? [] : ['rabbitmq-server'];
  },

  async start(context: ServiceContext) {
    const directory = context.stateDirectory;
    const management = loopbackEndpoint(context.addresses.rabbitmqManagementUrl, 15672);
    await mkdir(join(directory, 'mnesia'), { recursive: true });
    await writeFile(join(directory, 'enabled_plugins'), '[rabbitmq_management].\n');
    await writeFile(
      join(directory, 'rabbitmq.conf'),
      [
        `management.tcp.ip = ${management.host}`,
        `management.tcp.port = ${management.port}`,
        'log.console = true',
        'log.file = false',
        '',
      ].join('\n'),
    );
    await startDetached({
      command: serverScript,
      args: [],
      env: brokerEnvironment(context),
      cwd: directory,
      logFile: this.logFile(context),
      pidFile: join(directory, 'rabbitmq.pid'),
    });
  },

  runningPid: (context) => readLivePid(join(context.stateDirectory, 'rabbitmq.pid'), 'rabbitmq-server'),

  async stop(context) {
    const outcome = await stopDetached(
      join(context.stateDirectory, 'rabbitmq.pid'),
      'rabbitmq-server',
      30_000,
    );
    await stopIdlePortMapper();
    return outcome;
  },
};
