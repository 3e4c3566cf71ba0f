// ESLint flat config: strict TypeScript everywhere, plus the Temporal sandbox rules for workflows/.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', '.cache/**', 'test/support/*.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries,
    // and activities only as types (they are called through proxyActivities).
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not allowed in workflow code.' })),
            ...['@temporalio/activity', '@temporalio/client', '@temporalio/worker', 'sequelize', 'pg', 'express'].map(
              (name) => ({ name, message: 'Workflow code must not import I/O libraries.' }),
            ),
          ],
          patterns: [
            {
              group: ['../activities', '../activities/*', '../lib/*', '../models/*', '../integrations/*', '../api/*'],
              allowTypeImports: true,
              message: 'Workflows may import activities, lib, models and integrations only with `import type`.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'No process access in workflow code.' },
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Temporal replaces Date.now deterministically; prefer workflow APIs explicitly.' },
        { object: 'Math', property: 'random', message: 'Use uuid4() or deterministic inputs in workflows.' },
      ],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'domain/ is pure: no Node built-ins.' })),
          patterns: [{ group: ['../lib/*', '../models/*', '../api/*', '../activities/*', '../integrations/*'], message: 'domain/ imports nothing with I/O.' }],
        },
      ],
    },
  },
  {
    // Tests read untyped HTTP response bodies (supertest) and assert on their shape.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);
