/** Two projects: unit tests need no Temporal server (they may start in-process HTTP emulators);
 * integration tests share one real Temporal dev server started in the global setup. */
const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
// cookie 2 (pulled in by fastify's inject) ships only ESM; compile it to CommonJS like our own sources.
const transformIgnorePatterns = ['/node_modules/(?!cookie/)'];
const common = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  // Integration tests mostly wait on servers and workers; two files at a time keep both cores busy in CI.
  maxWorkers: 2,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/replay/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-setup.ts'],
    },
  ],
};
