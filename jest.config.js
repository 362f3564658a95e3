// Unit tests (test/unit, mirroring src/) and integration tests against real servers over loopback
// (test/integration). ts-jest compiles with the project's tsconfig so tests see the same strictness.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // Integration tests start servers and child processes; give them room, but no test relies on
  // a timing threshold for its verdict.
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/global-setup.js',
};
