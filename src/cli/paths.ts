import path from 'node:path';
import { projectRoot } from '../app-info.js';

/** Where the CLI finds its configs, data and caches: the installation root, overridable for tests and users. */
export function cliPaths(env: NodeJS.ProcessEnv = process.env) {
  const root = env['COTLAB_WB_ROOT'] ? path.resolve(env['COTLAB_WB_ROOT']) : projectRoot;
  return {
    root,
    configDir: path.join(root, 'configs'),
    cacheDir: env['COTLAB_WB_CACHE'] ? path.resolve(env['COTLAB_WB_CACHE']) : path.join(root, '.cache'),
  };
}
