// ESLint flat config: typescript-eslint's type-aware rules for the TypeScript we compile, plain
// recommended rules for the few JavaScript files (CLI shim, scripts, the web page), and Prettier
// owning formatting (eslint-config-prettier turns the style rules off).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import serverClock from './scripts/server-clock-tests.js';

// Tests that store data in influxd or VictoriaMetrics keep it inside a retention window measured
// from the server's own clock, which libfaketime cannot move: a calendar date in them works for a
// few weeks, then every point is dropped. They take instants from test/helpers/server-time.ts.
const CALENDAR_DATE =
  'A calendar date in a test that talks to influxd or VictoriaMetrics falls out of the retention window after a few weeks: use recentHour() from test/helpers/server-time.ts';
const noCalendarDates = [
  'error',
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='UTC']",
    message: CALENDAR_DATE,
  },
  // new Date(2026, 10, 1): the local-time constructor.
  { selector: "NewExpression[callee.name='Date'][arguments.length>1]", message: CALENDAR_DATE },
  { selector: 'Literal[value=/\\d{4}-\\d{2}-\\d{2}/]', message: CALENDAR_DATE },
  { selector: 'TemplateElement[value.raw=/\\d{4}-\\d{2}-\\d{2}/]', message: CALENDAR_DATE },
  // Epoch milliseconds between 2001 and 2100 are calendar dates too.
  { selector: 'Literal[value>=1000000000000][value<4100000000000]', message: CALENDAR_DATE },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'data/', 'var/', 'test-artifacts/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A floating promise is how a controller silently stops: make every one explicit.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module', globals: { ...globals.node } } },
  {
    files: ['web/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.browser } },
  },
  {
    files: ['web/api-docs.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
  {
    files: [
      ...serverClock.serverClockTests(),
      'test/peers/**',
      'test/helpers/influxd.ts',
      'test/helpers/historian.ts',
    ],
    rules: { 'no-restricted-syntax': noCalendarDates },
  },
  prettier,
);
