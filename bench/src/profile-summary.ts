// Summarizes a V8 CPU profile (`pnpm bench --profile` writes them to bench/results/profiles/):
// self time per function and per component (our packages, drivers, OpenTelemetry, Node, GC).
//   node bench/src/profile-summary.ts <file.cpuprofile> [--top 30]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The component a script belongs to, from its URL. */
export function componentOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const workspace = /\/(packages|bench)\/([^/]+)\//.exec(url);
  if (workspace !== null && !url.includes('/node_modules/'))
    return workspace[1] === 'bench' ? 'bench' : `@eventsource/${workspace[2]}`;
  const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency !== null) return dependency[1]!;
  if (url.startsWith('node:')) return 'node';
  return url;
}

export function summarizeProfile(profile: Profile, top: number): string {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByFunction = new Map<string, number>();
  const selfByComponent = new Map<string, number>();
  let total = 0;
  for (let index = 0; index < profile.samples.length; index += 1) {
    const node = byNode.get(profile.samples[index]!);
    const delta = profile.timeDeltas[index] ?? 0;
    if (node === undefined) continue;
    total += delta;
    const { functionName, url, lineNumber } = node.callFrame;
    const shortUrl = url.replace(/^.*\/(packages|bench|node_modules)\//, '$1/');
    const key = `${functionName || '(anonymous)'}  ${shortUrl}${url === '' ? '' : `:${lineNumber + 1}`}`;
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + delta);
    const component = componentOf(url, functionName);
    selfByComponent.set(component, (selfByComponent.get(component) ?? 0) + delta);
  }
  const lines: string[] = [`total sampled: ${(total / 1000).toFixed(0)} ms`, '', 'self time by component:'];
  const percent = (value: number): string => `${((100 * value) / total).toFixed(1).padStart(5)} %`;
  for (const [component, value] of [...selfByComponent]
    .sort((left, right) => right[1] - left[1])
    .slice(0, 20)) {
    lines.push(`  ${percent(value)}  ${component}`);
  }
  lines.push('', `top ${top} functions by self time:`);
  for (const [key, value] of [...selfByFunction].sort((left, right) => right[1] - left[1]).slice(0, top)) {
    lines.push(`  ${percent(value)}  ${key}`);
  }
  return lines.join('\n');
}

if (import.meta.filename === process.argv[1]) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node bench/src/profile-summary.ts <file.cpuprofile> [--top N]\n');
    process.exit(64);
  }
  const topIndex = process.argv.indexOf('--top');
  const top = topIndex === -1 ? 30 : Number(process.argv[topIndex + 1]);
  process.stdout.write(`${summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile, top)}\n`);
}
