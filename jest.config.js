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
  // Two files at a time, also on 2 cores (jest's default there is one): most integration tests
  // wait on servers and child processes, so the suite takes about half the time (985 → 535 s
  // here), and it runs under the load every test must bear anyway (docs/development.md).
  // `npm run jest -- -i <paths>` runs files one at a time in jest's own process.
  maxWorkers: 2,
  // One handle a failed test leaves open (a client's reconnect timer) must not keep the run alive
  // until CI's limit, hiding the failure's report behind a timeout. Exit when the run ends; jest
  // still says it forced the exit, and `npm run jest -- -i --detectOpenHandles <paths>` finds
  // the handle.
  forceExit: true,
};
