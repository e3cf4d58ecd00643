import path from 'node:path';
import { appVersion, projectRoot } from '../app-info.js';
import type { JobContext } from '../experiments/prepare-job.js';
import { defaultDbPath } from '../store/default-db-path.js';
import { createPathPolicy, type PathAccess, type PathPolicy } from './path-policy.js';

/** Where the engine finds its configs and data and keeps its history, caches, uploads and report folders. */
export interface EngineOptions {
  /** Installation root: relative dataset and model paths in configs/ resolve against it. */
  root: string;
  configDir: string;
  cacheDir: string;
  dbPath: string;
  /** Files dropped into the browser are stored here. */
  uploadDir: string;
  /** Report folders are created under it, in CoTLab's outputs/YYYY-MM-DD/HH-MM-SS_... layout. */
  outputRoot: string;
  /** Recorded in reports and the history. */
  appVersion: string;
  /** Which paths named in requests the engine may read and write (serve: roots; desktop: chosen in a dialog). */
  paths: PathAccess;
}

/** Where the engine keeps things, before its host decides which request paths it may use. */
export type EngineLocations = Omit<EngineOptions, 'paths'>;

/** The default locations, overridable with COTLAB_WB_ROOT, COTLAB_WB_CACHE and COTLAB_WB_DB like the CLI. */
export function defaultEngineOptions(env: NodeJS.ProcessEnv = process.env): EngineLocations {
  const root = env['COTLAB_WB_ROOT'] ? path.resolve(env['COTLAB_WB_ROOT']) : projectRoot;
  const cacheDir = env['COTLAB_WB_CACHE'] ? path.resolve(env['COTLAB_WB_CACHE']) : path.join(root, '.cache');
  return {
    root,
    configDir: path.join(root, 'configs'),
    cacheDir,
    dbPath: defaultDbPath(env),
    uploadDir: path.join(cacheDir, 'uploads'),
    outputRoot: root,
    appVersion: appVersion(),
  };
}

/** The path policy of an engine process: its host's access, plus the workbench's own upload folder. */
export function pathPolicyOf(options: EngineOptions): PathPolicy {
  return createPathPolicy(options.paths, [options.uploadDir]);
}

/** The engine's job context for UI runs: report folders in CoTLab's layout under outputRoot. */
export function jobContextFor(options: EngineOptions, log?: (line: string) => void): JobContext {
  return {
    configDir: options.configDir,
    dataRoot: options.root,
    cacheDir: options.cacheDir,
    outputRoot: options.outputRoot,
    outDir: null,
    overwriteReport: false,
    appVersion: options.appVersion,
    log,
  };
}
