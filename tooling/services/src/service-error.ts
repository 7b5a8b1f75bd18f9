/**
 * A service that could not be brought up or stopped. The message names the service and says what
 * failed; `logTail` carries the last lines of the log that explains it, printed by the CLI.
 */
export class ServiceError extends Error {
  readonly serviceName: string;
  readonly logFile: string | undefined;
  readonly logTail: string | undefined;

  constructor(
    serviceName: string,
    message: string,
    details: { logFile?: string; logTail?: string; cause?: unknown } = {},
  ) {
    super(`${serviceName}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ServiceError';
    this.serviceName = serviceName;
    this.logFile = details.logFile;
    this.logTail = details.logTail;
  }
}
