import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type ServiceName = 'order-service' | 'order-worker';

const ENTRIES: Readonly<Record<ServiceName, string>> = {
  'order-service': fileURLToPath(new URL('../order-service/main.ts', import.meta.url)),
  'order-worker': fileURLToPath(new URL('../order-worker/main.ts', import.meta.url)),
};

/** One of the demo's services, run as its own Node process; its log lines go to `logFile`. */
export class ServiceProcess {
  readonly name: ServiceName;
  readonly port: number;
  readonly logFile: string;
  readonly #child: ChildProcess;

  private constructor(name: ServiceName, port: number, logFile: string, child: ChildProcess) {
    this.name = name;
    this.port = port;
    this.logFile = logFile;
    this.#child = child;
  }

  /** Starts the service and resolves once it reports ready (listening, consuming), with its port. */
  static async start(
    name: ServiceName,
    env: Readonly<Record<string, string>>,
    logFile: string,
    timeoutMs = 20_000,
  ): Promise<ServiceProcess> {
    const log = createWriteStream(logFile, { flags: 'a' });
    // Each process names itself: a service name set in the caller's shell would merge the two.
    const { OTEL_SERVICE_NAME: _ignored, ...inherited } = process.env;
    const child = fork(ENTRIES[name], [], {
      env: { ...inherited, ...env, PORT: '0' },
      execArgv: ['--conditions=@eventsource/source'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} not ready after ${timeoutMs} ms (log: ${logFile})`)),
        timeoutMs,
      );
      child.on('message', (message: { type?: string; port?: number }) => {
        if (message.type === 'ready' && typeof message.port === 'number') {
          clearTimeout(timer);
          resolve(message.port);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with code ${code} while starting (log: ${logFile})`));
      });
    });
    try {
      return new ServiceProcess(name, await ready, logFile, child);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Asks the service to stop (as SIGTERM would: drain, flush telemetry, exit) and waits for it. */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (this.#child.exitCode !== null) return this.#child.exitCode;
    const exited = once(this.#child, 'exit');
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    const [code] = (await exited) as [number | null];
    clearTimeout(timer);
    return code;
  }
}
