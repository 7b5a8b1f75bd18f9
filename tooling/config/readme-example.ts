// Keeps each package README's usage example true: a test runs the example's code between the
// markers below, and compares it with the README's first ```ts block under "## Usage".
import { readFileSync } from 'node:fs';

export const README_EXAMPLE_START = '// README example, from here:';
export const README_EXAMPLE_END = '// README example, to here.';

/**
 * The README's usage example and the marked code of the test, both reduced to their code
 * (imports, comments and formatting dropped), for `expect(readme).toBe(test)`. `replacements`
 * turns README text into what the test runs instead (a temporary path, the test broker, ...).
 */
export function readmeExample(
  readmeUrl: URL,
  testUrl: URL,
  replacements: Readonly<Record<string, string>> = {},
): { readonly readme: string; readonly test: string } {
  const readme = readFileSync(readmeUrl, 'utf8');
  const block = /^## Usage\b[\s\S]*?^```ts\n([\s\S]*?)^```/m.exec(readme)?.[1];
  if (block === undefined) throw new Error(`${readmeUrl.pathname}: no \`\`\`ts block under "## Usage"`);
  const test = readFileSync(testUrl, 'utf8');
  const start = test.indexOf(README_EXAMPLE_START);
  const end = test.indexOf(README_EXAMPLE_END, start);
  if (start < 0 || end < 0)
    throw new Error(
      `${testUrl.pathname}: mark the example with "${README_EXAMPLE_START}" and "${README_EXAMPLE_END}"`,
    );
  let example = block;
  for (const [from, to] of Object.entries(replacements)) example = example.replaceAll(from, to);
  return { readme: codeOf(example), test: codeOf(test.slice(start, end)) };
}

function codeOf(text: string): string {
  return text
    .replace(/^\s*import [\s\S]*?;$/gm, '')
    .split('\n')
    .map((line) => line.replace(/\s\/\/ .*$/, ''))
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n')
    .replace(/\s+/g, '')
    .replace(/,([)\]}])/g, '$1');
}
