import { resolve } from 'node:path';
import type { BenchMode } from './suite-context.ts';

export interface BenchArguments {
  readonly mode: BenchMode;
  readonly filters: readonly string[];
  readonly variants: readonly string[];
  readonly verbose: boolean;
  readonly profile: boolean;
  readonly strict: boolean;
  readonly help: boolean;
  readonly outputDirectory: string | undefined;
}

export const USAGE = `Usage: pnpm bench [--full] [--only <id>[,<id>...]] [--variants <name>[,...]] [--verbose] [--strict] [--profile] [--output <dir>]

  --full        every workload at full size (100,000-event catch-up, more rounds); default: the quick pass
  --only        run only workloads whose id contains one of these (e.g. sqlite, postgres.load, kafka);
                results then go to filtered.json/.md instead of latest.json/.md
  --variants    run only these variants of the store workloads (raw, library, library.api, library.sdk),
                e.g. to profile one side alone; ratios needing a missing variant are n/a
  --verbose     print every round of every variant
  --strict      exit with 2 when a target (a ratio or a latency bound) is missed (default: only errors fail the run)
  --profile     CPU-profile the measured rounds of each store workload into <output>/profiles/
                (summarize one with: node bench/src/profile-summary.ts <file>)
  --output      directory for the results files (default bench/results)
`;

/** Parses the command line; unknown flags are an error, so a typo never runs the wrong pass. */
export function parseArguments(argv: readonly string[]): BenchArguments {
  let mode: BenchMode = 'quick';
  const filters: string[] = [];
  const variants: string[] = [];
  let verbose = false;
  let strict = false;
  let profile = false;
  let help = false;
  let outputDirectory: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    const [flag, inline] =
      argument.startsWith('--') && argument.includes('=')
        ? (argument.split('=', 2) as [string, string])
        : [argument, undefined];
    const value = (): string => {
      const next = inline ?? argv[(index += 1)];
      if (next === undefined || next === '') throw new Error(`${flag} needs a value\n\n${USAGE}`);
      return next;
    };
    switch (flag) {
      case '--':
        break;
      case '--full':
        mode = 'full';
        break;
      case '--quick':
        mode = 'quick';
        break;
      case '--only':
        filters.push(
          ...value()
            .split(',')
            .map((entry) => entry.trim())
            .filter((entry) => entry !== ''),
        );
        break;
      case '--variants':
        variants.push(
          ...value()
            .split(',')
            .map((entry) => entry.trim())
            .filter((entry) => entry !== ''),
        );
        break;
      case '--verbose':
        verbose = true;
        break;
      case '--strict':
        strict = true;
        break;
      case '--profile':
        profile = true;
        break;
      case '--output':
        outputDirectory = resolve(value());
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new Error(`Unknown argument ${argument}\n\n${USAGE}`);
    }
  }
  return { mode, filters, variants, verbose, profile, strict, help, outputDirectory };
}
