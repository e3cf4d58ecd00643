import path from 'node:path';
import type { EngineOptions } from '../../src/services/engine-options.js';
import type { PathAccess } from '../../src/services/path-policy.js';
import { repoRoot } from './cli.js';

/**
 * Engine options for a test: the repository's configs and data, everything written inside `scratch`; request paths
 * unrestricted unless the test gives its own access.
 */
export function scratchEngineOptions(scratch: string, appVersion: string, paths: PathAccess = { kind: 'unrestricted' }): EngineOptions {
  return {
    root: repoRoot,
    configDir: path.join(repoRoot, 'configs'),
    cacheDir: path.join(scratch, 'cache'),
    dbPath: path.join(scratch, 'history.sqlite'),
    uploadDir: path.join(scratch, 'uploads'),
    outputRoot: scratch,
    appVersion,
    paths,
  };
}
