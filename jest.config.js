// One jest run over every workspace package, so the whole suite reports one total.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = import.meta.dirname;
const projects = ['packages', 'examples', 'apps', 'tooling']
  .flatMap((group) =>
    existsSync(join(root, group)) ? readdirSync(join(root, group)).map((name) => join(group, name)) : [],
  )
  .concat(['bench'])
  .filter((dir) => existsSync(join(root, dir, 'jest.config.js')))
  .map((dir) => `<rootDir>/${dir}`);

export default {
  projects,
  coverageProvider: 'v8',
  collectCoverageFrom: ['packages/core/src/**/*.ts', '!**/*.test.ts', '!**/index.ts'],
  coverageReporters: ['text-summary', 'json-summary'],
  coverageThreshold: { './packages/core/src/': { lines: 90 } },
};
