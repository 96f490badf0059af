// Type-aware ESLint for the whole workspace, with Nx module boundaries:
// apps never import apps; eos-core imports neither proto nor gRPC nor Redis; the admin UI runs in
// a browser and imports only browser-safe libs; nothing but the worker (and tools) runs worker code.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Packages that need Node (sockets, native code, process-wide state): never in browser code. */
const NODE_ONLY = ['kafkajs', '@grpc/*', 'ioredis', 'bullmq', 'prom-client', 'playwright-core'];

/**
 * Which project may import which, by the tags in each project.json:
 * - type:app | type:lib | type:tool: apps and tools import libs; libs import libs; nobody imports an app.
 * - platform:node (needs Node), platform:any (browser-safe lib), platform:browser (the admin UI).
 * - scope:*: what each lib may build on.
 * @param {{ browserTests?: boolean }} o browserTests: the admin UI's browser specs, which run in
 *   Node (jest driving a browser) against a real stack from @eos/testing.
 */
function depConstraints(o = {}) {
  return [
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
    o.browserTests
      ? {
          sourceTag: 'platform:browser',
          onlyDependOnLibsWithTags: ['platform:browser', 'platform:any', 'scope:testing'],
        }
      : {
          sourceTag: 'platform:browser',
          onlyDependOnLibsWithTags: ['platform:browser', 'platform:any'],
          bannedExternalImports: NODE_ONLY,
        },
    {
      sourceTag: 'platform:any',
      onlyDependOnLibsWithTags: ['platform:any'],
      bannedExternalImports: NODE_ONLY,
    },
    { sourceTag: 'platform:node', notDependOnLibsWithTags: ['platform:browser'] },
    { sourceTag: 'scope:infra', onlyDependOnLibsWithTags: [] },
    {
      sourceTag: 'scope:testing',
      onlyDependOnLibsWithTags: ['scope:infra', 'scope:proto', 'scope:names', 'scope:kafka'],
    },
    { sourceTag: 'scope:names', onlyDependOnLibsWithTags: [] },
    {
      sourceTag: 'scope:kafka',
      onlyDependOnLibsWithTags: [],
      bannedExternalImports: ['@grpc/*', 'ioredis', 'bullmq'],
    },
    {
      sourceTag: 'scope:core',
      onlyDependOnLibsWithTags: ['scope:transforms', 'scope:names', 'scope:testing'],
      bannedExternalImports: ['@grpc/*', 'ioredis', 'bullmq', 'ts-proto'],
    },
    {
      sourceTag: 'scope:transforms',
      onlyDependOnLibsWithTags: [],
      bannedExternalImports: ['@grpc/*', 'ioredis', 'bullmq', 'kafkajs'],
    },
    { sourceTag: 'scope:proto', onlyDependOnLibsWithTags: [] },
    {
      sourceTag: 'scope:control',
      onlyDependOnLibsWithTags: ['scope:transforms', 'scope:proto', 'scope:names', 'scope:testing'],
      bannedExternalImports: ['@grpc/*', 'ioredis', 'bullmq', 'kafkajs'],
    },
    // The worker's runtime: session (gRPC, proto) and tasks (eos-core, through its Kafka port).
    // Config, metrics and HTTP stay in the worker app.
    {
      sourceTag: 'scope:worker-runtime',
      onlyDependOnLibsWithTags: ['scope:core', 'scope:transforms', 'scope:proto'],
      bannedExternalImports: ['ioredis', 'bullmq', 'kafkajs', 'prom-client', 'zod'],
    },
    // The controller never runs worker code.
    { sourceTag: 'scope:controller', notDependOnLibsWithTags: ['scope:worker-runtime'] },
  ];
}

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.nx/**',
      'libs/proto/src/gen/**',
      '**/.cache/**',
      '**/.data/**',
      'apps/admin-ui/build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@nx/enforce-module-boundaries': ['error', { allow: [], depConstraints: depConstraints() }],
    },
  },
  {
    // Browser code and browser-safe libs: Node's built-ins are not there (the tags above catch
    // npm packages and libs; built-ins are not a package).
    files: ['apps/admin-ui/src/**/*.{ts,tsx}', 'libs/fleet-names/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', ...builtinModules],
              message: 'This code runs in a browser too: no Node built-ins.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/admin-ui/src/**/*.browser.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { allow: [], depConstraints: depConstraints({ browserTests: true }) },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'tools/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/no-require-imports': 'off',
      '@nx/enforce-module-boundaries': 'off',
    },
  },
  prettier,
);
