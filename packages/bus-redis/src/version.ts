import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** This package's version, reported as the OpenTelemetry instrumentation scope version. */
export const VERSION: string = (require('../package.json') as { version: string }).version;
