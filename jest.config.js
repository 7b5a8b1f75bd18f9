// One jest run over every workspace package, so the whole suite reports one total.
export default {
  projects: ['<rootDir>/packages/*', '<rootDir>/examples/*', '<rootDir>/tooling/services', '<rootDir>/apps/*', '<rootDir>/bench'],
  coverageProvider: 'v8',
  collectCoverageFrom: ['packages/core/src/**/*.ts', '!**/*.test.ts', '!**/index.ts'],
  coverageReporters: ['text-summary', 'json-summary'],
  coverageThreshold: { './packages/core/src/': { lines: 90 } },
};
