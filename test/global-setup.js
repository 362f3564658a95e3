// Builds dist/ once before the tests: the integration tests run the real `heatbridge` command,
// as a user would. Incremental, so a rebuild with no change takes a moment.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = function globalSetup() {
  const root = join(__dirname, '..');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('build failed: see the TypeScript errors above');
};
