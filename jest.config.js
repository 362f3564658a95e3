// Unit tests (test/unit, mirroring src/) and integration tests against real servers over loopback
// (test/integration). ts-jest compiles with the project's tsconfig so tests see the same strictness.
// node-opcua and commander are ES modules; jest's module system loads them from require() only
// with Node's VM modules, so a plain `npx jest` would fail in every suite that imports them.
const vmModules = '--experimental-vm-modules';
if (
  !process.execArgv.includes(vmModules) &&
  !(process.env.NODE_OPTIONS ?? '').includes(vmModules)
) {
  throw new Error(
    'Run jest through `npm run jest -- [paths]` (or `npm test`): it needs node --experimental-vm-modules.',
  );
}

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
  // On 2 cores jest runs the files in its own process, so one handle a failed test leaves open (a
  // client's reconnect timer) would keep the run alive until CI's limit, hiding the failure's
  // report behind a timeout. Exit when the run ends; jest still says it forced the exit, and
  // `npm run jest -- --detectOpenHandles <paths>` finds the handle.
  forceExit: true,
};
