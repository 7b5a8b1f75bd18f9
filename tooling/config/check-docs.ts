// Checks the docs and READMEs as a reader uses them:
//
// 1. Every ```ts block is a complete module that type-checks against the workspace packages.
// 2. Every ```ts block is also RUN (Node, in a fresh temporary directory, against the packages'
//    current source), so an example that throws fails this check. A block is only type-checked
//    when a comment line at its top (before any code) says why it is not run:
//      // needs: PostgreSQL          (services it talks to; list them, e.g. `Kafka, Jaeger`)
//      // not run: <reason>           (e.g. it runs inside jest, or serves until stopped)
//    A block that imports `@jest/globals` or `@eventsource/testing` (whose main entry needs jest's
//    runtime) runs only inside jest and is type-checked only, with no marker needed.
//    Everything else must run to completion, exit 0 and finish within RUN_TIMEOUT_MS.
// 3. A doc with install lines (`pnpm add ...` in a ```sh block) names every package its ```ts
//    blocks import, except `node:` built-ins and @eventsource packages (an example may show this
//    package beside another of ours, e.g. a store sharing a database with a snapshot store).
// 4. The root README's package table lists every published package that has a README.
// 5. Node support is claimed only where it is tested: every package.json's `engines.node` is
//    `>=N` with N the major of the toolchain's Node (tooling/toolchain/env.sh, the one CI runs
//    the suite and these examples on), and every "Node.js N or newer" in the docs says the same N.
//
// Blocks are written to tooling/docs-check/.snippets/run-<pid> (git-ignored; one directory per run,
// so runs in one working tree do not disturb each other) and compiled there, where the packages
// resolve; the compiled JavaScript goes to its out/.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const checkDir = join(root, 'tooling', 'docs-check');
const snippetsDir = join(checkDir, '.snippets', `run-${process.pid}`);
const outDir = join(snippetsDir, 'out');
const RUN_TIMEOUT_MS = 30_000;
const NOT_RUN_MARKER = /^\/\/ (needs|not run):\s*\S/;
const JEST_ONLY_IMPORT = /from '(@jest\/globals|@eventsource\/testing)'/;

interface Snippet {
  readonly name: string;
  readonly where: string;
  readonly run: boolean;
}

const sources = [
  join(root, 'README.md'),
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name)),
  ...readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name, 'README.md')),
].filter((file) => existsSync(file));

rmSync(snippetsDir, { recursive: true, force: true });
mkdirSync(snippetsDir, { recursive: true });
writeFileSync(
  join(snippetsDir, 'tsconfig.json'),
  JSON.stringify({ extends: '../../tsconfig.json', include: ['*.ts'] }),
);
process.on('exit', () => rmSync(snippetsDir, { recursive: true, force: true }));
const snippets: Snippet[] = [];
for (const file of sources) {
  const text = readFileSync(file, 'utf8');
  const blocks = [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)];
  blocks.forEach((block, index) => {
    const code = block[1] ?? '';
    const line = text.slice(0, block.index).split('\n').length;
    const base = `${relative(root, file).replaceAll(/[/.]/g, '_')}_${String(index + 1).padStart(2, '0')}_line${line}`;
    writeFileSync(join(snippetsDir, `${base}.ts`), `${code}\nexport {};\n`);
    snippets.push({
      name: base,
      where: `${relative(root, file)}:${line}`,
      run:
        !JEST_ONLY_IMPORT.test(code) &&
        !leadingComments(code).some((comment) => NOT_RUN_MARKER.test(comment)),
    });
  });
}

let failed = false;

function leadingComments(code: string): string[] {
  const lines = code.split('\n').map((text) => text.trim());
  const firstCode = lines.findIndex((text) => !text.startsWith('//'));
  return lines.slice(0, firstCode < 0 ? lines.length : firstCode);
}

console.log(`docs: type-checking ${snippets.length} TypeScript blocks from ${sources.length} files`);
const compiled = spawnSync(
  'pnpm',
  [
    'exec',
    'tsc',
    '-p',
    join(snippetsDir, 'tsconfig.json'),
    '--noEmit',
    'false',
    '--outDir',
    outDir,
    '--declaration',
    'false',
    '--declarationMap',
    'false',
    '--sourceMap',
    'false',
  ],
  { cwd: checkDir, stdio: 'inherit' },
);
if (compiled.status !== 0) {
  console.error('docs: some code blocks do not type-check (file names above point at the doc and line)');
  failed = true;
} else {
  console.log('docs: all blocks type-check');
}

// tsc emits even when a block has type errors, so the others still run.
const runnable = snippets.filter((snippet) => snippet.run);
{
  console.log(
    `docs: running ${runnable.length} blocks (${snippets.length - runnable.length} need services, run in jest or are marked "not run:")`,
  );
  for (const snippet of runnable) {
    const cwd = mkdtempSync(join(tmpdir(), 'eventsource-docs-'));
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      ['--conditions=@eventsource/source', '--no-warnings', join(outDir, `${snippet.name}.js`)],
      { cwd, encoding: 'utf8', timeout: RUN_TIMEOUT_MS },
    );
    rmSync(cwd, { recursive: true, force: true });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (result.status === 0) {
      console.log(`ok   ${snippet.where} (${seconds} s)`);
      continue;
    }
    failed = true;
    const why = result.error === undefined ? `exit ${result.status ?? result.signal}` : String(result.error);
    console.error(`FAIL ${snippet.where}: ${why}\n${result.stdout}${result.stderr}`);
  }
}

failed = !checkInstallLines() || failed;
failed = !checkPackageTable() || failed;
failed = !checkNodeSupport() || failed;
if (failed) process.exit(1);
console.log('docs: all checks pass');

/** The root README's package table has a row for every published package with a README. */
function checkPackageTable(): boolean {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const missing: string[] = [];
  for (const dir of readdirSync(join(root, 'packages'))) {
    const manifestFile = join(root, 'packages', dir, 'package.json');
    if (!existsSync(manifestFile) || !existsSync(join(root, 'packages', dir, 'README.md'))) continue;
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { name: string; private?: boolean };
    if (manifest.private) continue;
    const row = new RegExp(
      `^\\| \\[\`${manifest.name.replaceAll('/', '\\/')}\`\\]\\(packages/${dir}\\)`,
      'm',
    );
    if (!row.test(readme)) missing.push(manifest.name);
  }
  if (missing.length === 0) {
    console.log('docs: the README package table lists every published package');
    return true;
  }
  console.error(`docs: the README package table leaves out ${missing.join(', ')}`);
  return false;
}

/** Every package a doc's examples import is named by the doc's own install lines. */
function checkInstallLines(): boolean {
  let complete = true;
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    const installed = new Set<string>();
    for (const block of text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
      for (const line of (block[1] ?? '').split('\n')) {
        const command = line.replace(/#.*$/, '').trim();
        if (!command.startsWith('pnpm add ')) continue;
        for (const word of command.split(/\s+/).slice(2)) {
          if (!word.startsWith('-')) installed.add(word.replace(/(.)@[^/]*$/, '$1'));
        }
      }
    }
    if (installed.size === 0) continue;
    for (const block of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
      const line = text.slice(0, block.index).split('\n').length;
      for (const [, specifier = ''] of (block[1] ?? '').matchAll(/from '([^'.][^']*)'/g)) {
        if (specifier.startsWith('node:') || specifier.startsWith('@eventsource/')) continue;
        const name = specifier
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/');
        if (installed.has(name)) continue;
        complete = false;
        console.error(
          `docs: ${relative(root, file)}:${line} imports ${name}, which its install lines leave out`,
        );
      }
    }
  }
  if (complete) console.log('docs: install lines name every package the examples import');
  return complete;
}

/** engines.node and the docs claim the Node major CI tests on, and nothing older. */
function checkNodeSupport(): boolean {
  const toolchain = readFileSync(join(root, 'tooling', 'toolchain', 'env.sh'), 'utf8');
  const tested = /EVENTSOURCE_NODE_VERSION:-(\d+)\./.exec(toolchain)?.[1];
  if (tested === undefined) {
    console.error('docs: no Node version in tooling/toolchain/env.sh');
    return false;
  }
  const wrong: string[] = [];
  const manifests = [
    '.',
    ...['packages', 'apps', 'examples', 'tooling'].flatMap((group) =>
      existsSync(join(root, group)) ? readdirSync(join(root, group)).map((name) => join(group, name)) : [],
    ),
  ];
  for (const dir of manifests) {
    const file = join(root, dir, 'package.json');
    if (!existsSync(file)) continue;
    const engines = (JSON.parse(readFileSync(file, 'utf8')) as { engines?: { node?: string } }).engines;
    if (engines?.node !== undefined && engines.node !== `>=${tested}`) {
      wrong.push(`${relative(root, file)} engines.node is "${engines.node}"`);
    }
  }
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/Node(?:\.js)? (\d+) or newer/g)) {
      if (match[1] !== tested) wrong.push(`${relative(root, file)} says "${match[0]}"`);
    }
  }
  if (wrong.length === 0) {
    console.log(`docs: packages and docs claim Node ${tested}+, the version CI tests on`);
    return true;
  }
  console.error(`docs: CI tests on Node ${tested} only, but:\n  ${wrong.join('\n  ')}`);
  return false;
}
