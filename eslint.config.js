// One flat config for the workspace (typescript-eslint, type-aware where it pays).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', 'e2e/test-results/**', 'e2e/playwright-report/**', '**/*.mjs', '**/*.cjs', 'data/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Specs take `test` from e2e/fixtures.ts, whose contexts feed the leak scan's ledger.
    files: ['e2e/tests/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: '@playwright/test', importNames: ['test'], message: "Import test from '../fixtures.ts' (the leak scan watches its browser contexts)." }] }],
    },
  },
);
