import type { ServiceAddresses } from './addresses.ts';
import type { StopOutcome } from './detached-process.ts';
import type { ServiceName } from './service-names.ts';

/** What a native service needs to know about where it runs; built by `native-services.ts`. */
export type ServiceContext = {
  readonly addresses: ServiceAddresses;
  /** `.services/<name>`: data, pid file, configuration and logs of this service. */
  readonly stateDirectory: string;
  /** The shared artifact cache (`~/.cache/eventsource-services`). */
  readonly cacheDirectory: string;
  /** Prints one progress line about this service. */
  readonly report: (message: string) => void;
};

/**
 * One service started natively: installed from Debian packages, fetched or built, then run as a
 * daemon owned by this checkout. Health is not its concern; `health-probes.ts` decides that.
 */
export type NativeService = {
  readonly name: ServiceName;
  /** The listener that clients use, derived from the configured address. */
  endpoint(addresses: ServiceAddresses): { readonly host: string; readonly port: number };
  /** The log that explains a failure to start. */
  logFile(context: ServiceContext): string;
  /** How long a started daemon may take to pass its health probe. */
  readonly startTimeoutMs: number;
  /** Debian packages it needs that are not installed yet. */
  missingPackages(context: ServiceContext): Promise<readonly string[]>;
  /** Fetches or builds what it runs, once (cached); runs after packages are installed. */
  prepare?(context: ServiceContext): Promise<void>;
  /** The log that explains a failed `prepare`. */
  prepareLogFile?(context: ServiceContext): string;
  /** Starts the daemon and returns once it runs; it may not be healthy yet. */
  start(context: ServiceContext): Promise<void>;
  /** The pid of the daemon this checkout started, when that daemon is alive. */
  runningPid(context: ServiceContext): Promise<number | undefined>;
  /** Stops the daemon this checkout started; harmless when none runs. */
  stop(context: ServiceContext): Promise<StopOutcome>;
};
