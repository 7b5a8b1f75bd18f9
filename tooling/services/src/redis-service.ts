import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isDebianPackageInstalled } from './debian-packages.ts';
import { readLivePid, startDetached, stopDetached } from './detached-process.ts';
import type { NativeService, ServiceContext } from './native-service.ts';
import { findExecutable } from './run-command.ts';
import { loopbackEndpoint } from './service-endpoint.ts';

/**
 * Redis from Debian's `redis-server`, in the foreground under our own pid file. Nothing is
 * persisted (`--save '' --appendonly no`): tests isolate themselves with unique keys and a
 * restart starts empty instead of replaying a stale dump.
 */
export const redisService: NativeService = {
  name: 'redis',
  startTimeoutMs: 20_000,
  endpoint: (addresses) => loopbackEndpoint(addresses.redisUrl, 6379),
  logFile: (context) => join(context.stateDirectory, 'redis.log'),

  async missingPackages() {
    return (await isDebianPackageInstalled('redis-server')) &&
      (await findExecutable('redis-server')) !== undefined
      ? []
      : ['redis-server'];
  },

  async start(context: ServiceContext) {
    const { host, port } = this.endpoint(context.addresses);
    await mkdir(context.stateDirectory, { recursive: true });
    await startDetached({
      command: (await findExecutable('redis-server')) ?? '/usr/bin/redis-server',
      args: [
        '--bind',
        host,
        '--port',
        String(port),
        '--protected-mode',
        'yes',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        context.stateDirectory,
        '--daemonize',
        'no',
        '--loglevel',
        'notice',
      ],
      cwd: context.stateDirectory,
      logFile: this.logFile(context),
      pidFile: join(context.stateDirectory, 'redis.pid'),
    });
  },

  runningPid: (context) => readLivePid(join(context.stateDirectory, 'redis.pid'), 'redis-server'),

  stop: (context) => stopDetached(join(context.stateDirectory, 'redis.pid'), 'redis-server', 10_000),
};
