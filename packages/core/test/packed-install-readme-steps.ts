// What a README tells a new user to do, read from its sections: the install commands, the usage
// example, and (for packages used under jest) the jest setup.
//
// Install commands are the `pnpm add` lines of a ```sh block. A line right after a comment that
// contains "optional" is skipped: the example must work without it.

export interface ReadmeSteps {
  readonly install: readonly (readonly string[])[];
  readonly usage: string;
}

export interface JestSetup {
  readonly install: readonly (readonly string[])[];
  /** The ```js block: jest.config.js. */
  readonly config: string;
  /** The ```json block's `scripts`, merged into the project's package.json. */
  readonly scripts: Readonly<Record<string, string>>;
}

/** The `pnpm add` arguments of each non-optional install line. */
export function installCommands(shellBlock: string): string[][] {
  const install: string[][] = [];
  let optional = false;
  for (const line of shellBlock.split('\n').map((text) => text.trim())) {
    if (line.startsWith('#')) {
      optional = /\boptional\b/i.test(line);
      continue;
    }
    const command = line.replace(/\s+#.*$/, '');
    if (command.startsWith('pnpm add ') && !optional) install.push(command.split(/\s+/).slice(2));
    optional = false;
  }
  return install;
}

/** The ```sh block under "## Install" and the first ```ts block under "## Usage". */
export function readmeSteps(readme: string): ReadmeSteps {
  const installBlock = /^## Install\b[\s\S]*?^```sh\n([\s\S]*?)^```/m.exec(readme)?.[1];
  const usage = /^## Usage\b[\s\S]*?^```ts\n([\s\S]*?)^```/m.exec(readme)?.[1];
  if (installBlock === undefined || usage === undefined) {
    throw new Error('README needs a ```sh block under "## Install" and a ```ts block under "## Usage"');
  }
  return { install: installCommands(installBlock), usage };
}

/** The "## Jest setup" section, when the README has one. */
export function jestSetup(readme: string): JestSetup | undefined {
  const start = readme.search(/^## Jest setup\b/m);
  if (start < 0) return undefined;
  const rest = readme.slice(start + 1);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  const block = (language: string): string | undefined =>
    new RegExp('^```' + language + '\\n([\\s\\S]*?)^```', 'm').exec(section)?.[1];
  const [shell, config, json] = [block('sh'), block('js'), block('json')];
  if (shell === undefined || config === undefined || json === undefined) {
    throw new Error('"## Jest setup" needs a ```sh, a ```js (jest.config.js) and a ```json (scripts) block');
  }
  return {
    install: installCommands(shell),
    config,
    scripts: (JSON.parse(json) as { scripts: Record<string, string> }).scripts,
  };
}
