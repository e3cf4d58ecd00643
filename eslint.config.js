import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'dist-*/', 'outputs/', 'resources/demo-model/', '.cache/', 'coverage/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The engine is plain Node: it never reaches into the desktop shell or the UI (VS Code-style layering).
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'src/ is the engine: no Electron imports.' },
            { group: ['react', 'react-dom', 'react/*'], message: 'src/ is the engine: no React imports.' },
            { group: ['**/main/**', '**/renderer/**'], message: 'src/ never imports main/ or renderer/.' },
            { group: ['**/scripts/**', '**/tests/**'], message: 'src/ never imports the demo-model generator (scripts/) or test helpers (tests/).' },
          ],
        },
      ],
    },
  },
  {
    // The renderer reaches the engine only through the contract (types + zod schemas), never through engine code.
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+src/(?!api/contract\\.js$)',
              message: 'renderer/ may import only src/api/contract.js from src/.',
            },
            { group: ['electron', 'electron/*', 'node:*'], message: 'renderer/ runs in a sandboxed page: no Electron or Node imports.' },
            { group: ['**/main/**'], message: 'renderer/ never imports main/.' },
          ],
        },
      ],
    },
  },
);
