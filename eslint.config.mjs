// Type-aware ESLint for the whole workspace, with Nx module boundaries:
// apps never import apps; eos-core imports neither proto nor gRPC nor Redis.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

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
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
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
          ],
        },
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
