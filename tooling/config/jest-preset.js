// Shared jest settings: TypeScript through SWC, native ESM, workspace packages resolved to their
// sources (the `@eventsource/source` export condition), so tests never need a build first.
/** @param {import('jest').Config} overrides */
export function jestConfig(overrides = {}) {
  return {
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            parser: { syntax: 'typescript', decorators: true },
            target: 'es2023',
            transform: { decoratorVersion: '2022-03' },
          },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
    },
    testEnvironmentOptions: { customExportConditions: ['@eventsource/source', 'node'] },
    testMatch: ['<rootDir>/{src,test}/**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    ...overrides,
  };
}
