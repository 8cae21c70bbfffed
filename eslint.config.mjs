// Flat config: typed rules everywhere, plus a ban on Node built-ins in code the workflow bundle imports.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const nodeBuiltins = [
  'fs',
  'fs/promises',
  'path',
  'os',
  'http',
  'https',
  'net',
  'crypto',
  'child_process',
  'worker_threads',
  'process',
  'dns',
  'stream',
  'url',
  'util',
  'timers',
];
const builtinBan = {
  patterns: [
    {
      group: ['node:*', ...nodeBuiltins],
      message: 'Workflow code runs in a deterministic sandbox: no Node built-ins.',
    },
  ],
  paths: [
    { name: '@temporalio/activity', message: 'Workflows must not import activity code.' },
    { name: '@temporalio/client', message: 'Workflows must not import the client.' },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'lib/**',
      'packages/*/lib/**',
      // The package's examples import '@kyc-temporal/client', which resolves only where the tarball is
      // installed: test/integration/client-package.test.ts type-checks and runs them there.
      'packages/client/examples/**',
      'coverage/**',
      'test-output/**',
      '.data/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-deprecated': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'no-console': 'off',
    },
  },
  {
    // Everything the workflow bundle pulls in: workflows and the contracts they share.
    files: ['workflows/**/*.ts', 'contracts/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', builtinBan] },
  },
  {
    // Simulators are test/demo infrastructure: production code must never depend on them.
    files: [
      'contracts/**/*.ts',
      'providers/**/*.ts',
      'workflows/**/*.ts',
      'activities/**/*.ts',
      'worker/**/*.ts',
      'client/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/simulators/**', '**/test/**', '**/chaos/**'],
              message: 'Production code must not import simulators, tests or the chaos run.',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code imports only contracts and the workflow SDK; activity signatures come in as types.
    files: ['workflows/**/*.ts', 'contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: builtinBan.paths,
          patterns: [
            ...builtinBan.patterns,
            {
              group: ['**/simulators/**', '**/test/**', '**/chaos/**'],
              message: 'Workflow code must not import simulators or tests.',
            },
            {
              group: ['**/providers/**', '**/providers', '**/activities/**', '**/activities'],
              allowTypeImports: true,
              message: 'Workflows reach providers only through activities (type imports allowed).',
            },
          ],
        },
      ],
    },
  },
  ...[
    {
      files: ['workflows/**/*.ts'],
      zodModules: [
        '**/contracts/device-approval',
        '**/contracts/phone-check',
        '**/contracts/identity-flow',
        '**/contracts/identifiers',
        '**/contracts/notification',
      ],
    },
    {
      files: [
        'contracts/checks.ts',
        'contracts/identifier-rules.ts',
        'contracts/validation.ts',
        'contracts/*-core.ts',
        'contracts/*-checks.ts',
      ],
      zodModules: ['./device-approval', './phone-check', './identity-flow', './identifiers', './notification'],
    },
  ].map(({ files, zodModules }) => ({
    // The worker evaluates every module the workflow bundle imports once per cached workflow, so
    // workflows and the contract modules they load stay zod-free (contracts/checks.ts); the zod
    // contract modules may be imported for their types only.
    files,
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: builtinBan.paths,
          patterns: [
            ...builtinBan.patterns,
            {
              group: ['**/simulators/**', '**/test/**', '**/chaos/**'],
              message: 'Workflow code must not import simulators or tests.',
            },
            {
              group: ['**/providers/**', '**/providers', '**/activities/**', '**/activities'],
              allowTypeImports: true,
              message: 'Workflows reach providers only through activities (type imports allowed).',
            },
            {
              group: ['zod', 'zod/*', ...zodModules],
              allowTypeImports: true,
              message:
                'The workflow bundle stays zod-free (evaluated once per cached workflow): use the *-core and *-checks modules; type imports are fine.',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
);
