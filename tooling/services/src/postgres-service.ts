import { chown, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceAddresses } from './addresses.ts';
import { readLivePid } from './detached-process.ts';
import type { NativeService, ServiceContext } from './native-service.ts';
import { readLogTail } from './log-tail.ts';
import { runCommand } from './run-command.ts';
import { loopbackEndpoint } from './service-endpoint.ts';
import { displayPath } from './service-paths.ts';

/**
 * Server settings shared with `docker-compose.yml`. Durability is traded for speed (a disposable
 * test database), and there are enough connections for the tests' concurrent writers.
 */
export const postgresSettings = {
  max_connections: '250',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
} as const;

/** The newest PostgreSQL installed from Debian's packages (`/usr/lib/postgresql/<major>/bin`). */
async function postgresBinDirectory(): Promise<string | undefined> {
  let majors: string[];
  try {
    majors = (await readdir('/usr/lib/postgresql')).filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  for (const major of majors.sort((left, right) => Number(right) - Number(left))) {
    const bin = join('/usr/lib/postgresql', major, 'bin');
    if (await exists(join(bin, 'pg_ctl'))) return bin;
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

const runsAsRoot = process.getuid?.() === 0;

/** PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user. */
function asPostgresUser(command: string, args: readonly string[]): [string, string[]] {
  return runsAsRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, [...args]];
}

async function giveToPostgresUser(path: string): Promise<void> {
  if (!runsAsRoot) return;
  const result = await runCommand('id', ['-u', 'postgres']);
  const groupResult = await runCommand('id', ['-g', 'postgres']);
  await chown(path, Number(result.output.trim()), Number(groupResult.output.trim()));
}

function credentials(addresses: ServiceAddresses): { user: string; password: string; database: string } {
  const url = new URL(addresses.postgresUrl);
  return {
    user: decodeURIComponent(url.username) || 'postgres',
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres',
  };
}

/** Creates the configured database when missing, connected as the configured (super)user. */
async function ensureDatabase(addresses: ServiceAddresses): Promise<void> {
  const { user, password, database } = credentials(addresses);
  const { host, port } = loopbackEndpoint(addresses.postgresUrl, 5432);
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host,
    port,
    user,
    password,
    database: 'postgres',
    connectionTimeoutMillis: 5000,
  });
  client.on('error', () => {});
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * PostgreSQL from Debian's packages (15 on Debian 12), with its own cluster under
 * `.services/postgres/data`: the configured user is the cluster's superuser with the configured
 * password (scram-sha-256), like the `POSTGRES_USER` of the official image.
 */
export const postgresService: NativeService = {
  name: 'postgres',
  startTimeoutMs: 60_000,
  endpoint: (addresses) => loopbackEndpoint(addresses.postgresUrl, 5432),
  logFile: (context) => join(context.stateDirectory, 'postgres.log'),

  async missingPackages() {
    return (await postgresBinDirectory()) === undefined ? ['postgresql'] : [];
  },

  async start(context: ServiceContext) {
    const bin = await postgresBinDirectory();
    if (bin === undefined) throw new Error('no PostgreSQL server under /usr/lib/postgresql');
    const dataDirectory = join(context.stateDirectory, 'data');
    const logFile = this.logFile(context);
    await mkdir(context.stateDirectory, { recursive: true });
    await giveToPostgresUser(context.stateDirectory);
    await writeFile(logFile, '', { flag: 'a' });
    await giveToPostgresUser(logFile);

    if (!(await exists(join(dataDirectory, 'PG_VERSION')))) {
      const { user, password } = credentials(context.addresses);
      const passwordFile = join(context.stateDirectory, 'initdb-password');
      await rm(dataDirectory, { recursive: true, force: true });
      await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
      await giveToPostgresUser(passwordFile);
      context.report(`initialising a cluster in ${displayPath(dataDirectory)}`);
      const [command, args] = asPostgresUser(join(bin, 'initdb'), [
        '--pgdata',
        dataDirectory,
        '--username',
        user,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ]);
      const result = await runCommand(command, args, { logFile, cwd: context.stateDirectory });
      await rm(passwordFile, { force: true });
      if (result.exitCode !== 0) throw new Error(`initdb failed (exit ${result.exitCode})`);
    }

    const { host, port } = this.endpoint(context.addresses);
    const serverOptions = [
      `-c listen_addresses=${host}`,
      `-c port=${port}`,
      `-c unix_socket_directories=''`,
      ...Object.entries(postgresSettings).map(([name, value]) => `-c ${name}=${value}`),
    ].join(' ');
    const [command, args] = asPostgresUser(join(bin, 'pg_ctl'), [
      'start',
      '--pgdata',
      dataDirectory,
      '--log',
      logFile,
      '--wait',
      '--timeout=60',
      '--silent',
      '--options',
      serverOptions,
    ]);
    const result = await runCommand(command, args, { cwd: context.stateDirectory });
    if (result.exitCode !== 0) {
      throw new Error(
        `pg_ctl start failed (exit ${result.exitCode}): ${result.output.trim() || (await readLogTail(logFile, 5))}`,
      );
    }
    await ensureDatabase(context.addresses);
  },

  runningPid: (context) => readLivePid(join(context.stateDirectory, 'data', 'postmaster.pid'), 'postgres'),

  async stop(context) {
    if ((await this.runningPid(context)) === undefined) return 'not-running';
    const bin = await postgresBinDirectory();
    const [command, args] = asPostgresUser(join(bin ?? '/usr/lib/postgresql/15/bin', 'pg_ctl'), [
      'stop',
      '--pgdata',
      join(context.stateDirectory, 'data'),
      '--mode=fast',
      '--wait',
      '--timeout=30',
      '--silent',
    ]);
    const result = await runCommand(command, args, { cwd: context.stateDirectory });
    if (result.exitCode !== 0) throw new Error(`pg_ctl stop failed: ${result.output.trim()}`);
    return 'stopped';
  },
};
