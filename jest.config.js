// Two tiers (STYLE.md): fast unit specs beside the code, integration/e2e specs in test/ against
// the real PostgreSQL, Redis and the simulator. Type checking is `npm run typecheck`'s job, so
// ts-jest only transpiles here, which keeps a full run fast on two cores.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const shared = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  rootDir: __dirname,
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
};

module.exports = {
  // Per-project timeouts are not a thing in Jest; e2e suites start real processes and servers.
  testTimeout: 60_000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/support/setup-env.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
