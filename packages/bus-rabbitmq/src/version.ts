import { createRequire } from 'node:module';

/** The package version: the instrumentation scope version of spans and metrics. */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
