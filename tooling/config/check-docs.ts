// Type-checks every ```ts block of the docs and READMEs: each block must be a complete module
// that compiles against the workspace packages. Blocks are written to tooling/docs-check/.snippets
// (git-ignored) and compiled there, where the packages resolve.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const checkDir = join(root, 'tooling', 'docs-check');
const snippetsDir = join(checkDir, '.snippets');

const sources = [
  join(root, 'README.md'),
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name)),
  ...readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name, 'README.md')),
].filter((file) => existsSync(file));

rmSync(snippetsDir, { recursive: true, force: true });
mkdirSync(snippetsDir, { recursive: true });
let count = 0;
for (const file of sources) {
  const text = readFileSync(file, 'utf8');
  const blocks = [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)];
  blocks.forEach((block, index) => {
    const line = text.slice(0, block.index).split('\n').length;
    const name = `${relative(root, file).replaceAll(/[/.]/g, '_')}_${String(index + 1).padStart(2, '0')}_line${line}.ts`;
    writeFileSync(join(snippetsDir, name), `${block[1]}\nexport {};\n`);
    count += 1;
  });
}
console.log(`docs: type-checking ${count} TypeScript blocks from ${sources.length} files`);
try {
  execFileSync('pnpm', ['exec', 'tsc', '-p', 'tsconfig.json'], { cwd: checkDir, stdio: 'inherit' });
} catch {
  console.error('docs: some code blocks do not type-check (file names above point at the doc and line)');
  process.exit(1);
}
console.log('docs: all blocks type-check');
