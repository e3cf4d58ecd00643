import tseslint from 'typescript-eslint';

/**
 * The layers of the project, lowest first: each may import only the layers it lists (and itself). Upward imports
 * fail the lint. README.md "Layers" draws the same picture.
 *
 *   renderer -> contract <- host <- main        (the UI and the desktop shell see only the contract and the host)
 *   serve, cli -> host, services -> experiments -> store, report -> analytics, prompts, config, model, datasets -> results
 */
const ENGINE_LAYERS = {
  contract: [],
  results: [],
  datasets: ['results'],
  model: ['results'],
  analytics: ['results'],
  config: ['results', 'datasets', 'model'],
  prompts: ['results', 'datasets', 'config'],
  store: ['results', 'datasets', 'model', 'config', 'analytics'],
  report: ['results', 'datasets', 'model', 'config', 'analytics'],
  experiments: ['results', 'datasets', 'model', 'analytics', 'config', 'prompts', 'store', 'report'],
  services: ['contract', 'results', 'datasets', 'model', 'analytics', 'config', 'prompts', 'store', 'report', 'experiments'],
  host: ['contract', 'services', 'store'],
  serve: ['contract', 'host', 'services'],
  cli: ['results', 'datasets', 'model', 'analytics', 'config', 'prompts', 'store', 'report', 'experiments', 'serve'],
};

const engineFolders = Object.keys(ENGINE_LAYERS);

/** A pattern matching a relative import of any of `folders` from a file one or more levels inside src/. */
function relativeImportOf(folders) {
  return `^(\\.\\./)+(${folders.join('|')})(/|\\.js$)`;
}

function layerRule(layer, allowed) {
  const forbidden = engineFolders.filter((folder) => folder !== layer && !allowed.includes(folder));
  const patterns = [
    {
      regex: relativeImportOf(forbidden),
      message: `src/${layer} may import only ${allowed.length === 0 ? 'nothing else in src/' : allowed.map((a) => `src/${a}`).join(', ')} (layer rules in eslint.config.js).`,
    },
    { group: ['electron', 'electron/*'], message: 'src/ is the engine: no Electron imports.' },
    { group: ['react', 'react-dom', 'react/*'], message: 'src/ is the engine: no React imports.' },
    { regex: '^(\\.\\./)+(\\.\\./)(main|renderer)/', message: 'src/ never imports main/ or renderer/.' },
    { regex: '^(\\.\\./)+(\\.\\./)(scripts|tests)/', message: 'src/ never imports the demo-model generator (scripts/) or test helpers (tests/).' },
  ];
  if (layer === 'contract') {
    patterns.push({ regex: '^(?!zod$|\\./)', message: 'the contract imports only zod and its own modules.' });
    patterns.push({ regex: `^\\.\\./(?!contract/)`, message: 'the contract imports only zod and its own modules.' });
  }
  return { files: [`src/${layer}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'dist-*/', 'outputs/', 'resources/demo-model/', '.cache/', 'coverage/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...Object.entries(ENGINE_LAYERS).map(([layer, allowed]) => layerRule(layer, allowed)),
  {
    // The Electron main process is a thin shell: the contract and the engine host, nothing else of src/.
    files: ['main/**/*.ts', 'main/**/*.cts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./src/(?!contract/|host/)', message: 'main/ may import only src/contract and src/host.' },
            { group: ['react', 'react-dom', 'react/*'], message: 'main/ is the desktop shell: no React.' },
            { regex: '^\\.\\./renderer/', message: 'main/ never imports renderer/.' },
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
            { regex: '^(\\.\\./)+src/(?!contract/)', message: 'renderer/ may import only src/contract from src/.' },
            { group: ['electron', 'electron/*', 'node:*'], message: 'renderer/ runs in a sandboxed page: no Electron or Node imports.' },
            { regex: '^(\\.\\./)+main/', message: 'renderer/ never imports main/.' },
          ],
        },
      ],
    },
  },
);
