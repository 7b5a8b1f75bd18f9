// A Redis server of a test's own, for fault tests that kill and restart it: the shared development
// Redis on 6379 keeps nothing on disk and is never touched. This one runs on a free loopback port
// with `appendonly yes` and `appendfsync always` (every accepted write is on disk before the reply)
// in a temporary directory, under `timeout`, so it dies even if the test process is killed first.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Longest the server may live, whatever happens to the test process. */
const LIFETIME_SECONDS = 180;

export interface OwnRedis {
  /** `redis://127.0.0.1:port`. */
  readonly url: string;
  /** Kills the server with SIGKILL, as a crash would; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (it replays its append-only file). */
  start(): Promise<void>;
  /** The server's log, for failure messages. */
  log(): string;
  /** Kills the server and deletes its directory. Idempotent. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function waitUntilAnswering(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      disconnectTimeout: 100,
    });
    let refused = false;
    probe.on('error', (error: Error) => {
      refused ||= /NOAUTH/.test(error.message);
    });
    try {
      await probe.connect();
      // LOADING while the append-only file is replayed; PING fails until then.
      if ((await probe.ping()) === 'PONG') return;
    } catch (error) {
      // A server with `requirepass` refuses the unauthenticated probe: it is up.
      if (refused || /NOAUTH/.test((error as Error).message)) return;
      if (Date.now() > deadline)
        throw new Error(`Redis at ${url} did not come up within ${timeoutMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      probe.disconnect();
    }
  }
}

/** Starts a persistent Redis on a free port (`extraArgs` go to redis-server); `stop()` it in `afterAll`. */
export async function startOwnRedis(extraArgs: readonly string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'bus-redis-fault-'));
  const logFile = join(directory, 'redis.log');
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const output = openSync(logFile, 'a');
    try {
      child = spawn(
        'timeout',
        [
          '-s',
          'KILL',
          String(LIFETIME_SECONDS),
          'redis-server',
          '--bind',
          '127.0.0.1',
          '--port',
          String(port),
          '--dir',
          directory,
          '--appendonly',
          'yes',
          '--appendfsync',
          'always',
          '--save',
          '',
          '--daemonize',
          'no',
          ...extraArgs,
        ],
        { stdio: ['ignore', output, output] },
      );
    } finally {
      closeSync(output);
    }
    await waitUntilAnswering(url, 15_000);
  };

  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    // SIGKILL to `timeout` would orphan the server: kill the server (its child) first.
    await new Promise((resolve) =>
      spawn('pkill', ['-KILL', '-P', String(running.pid)]).once('exit', resolve),
    );
    running.kill('SIGKILL');
    await exited;
    await new Promise((resolve) => setTimeout(resolve, 50));
  };

  try {
    await start();
  } catch (error) {
    await kill();
    throw error;
  }
  return {
    url,
    kill,
    start,
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      await kill();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
