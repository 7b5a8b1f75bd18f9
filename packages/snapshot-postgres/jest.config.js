import { createRequire } from 'node:module';
import { jestConfig } from '../../tooling/config/jest-preset.js';

// The preset resolves packages with the `import` condition; `pg` is CommonJS and `require`s its
// helpers, which would then get their ESM builds (a Module where a class is expected). Pin `pg`
// and its helpers to their CommonJS entry points.
const require = createRequire(import.meta.url);
const pgEntry = require.resolve('pg');
const requireFromPg = createRequire(pgEntry);
const pgModules = Object.fromEntries(
  ['pg-pool', 'pg-protocol', 'pg-connection-string'].map((name) => [`^${name}$`, requireFromPg.resolve(name)]),
);

export default jestConfig({
  displayName: '@eventsource/snapshot-postgres',
  moduleNameMapper: { '^pg$': pgEntry, ...pgModules },
});
