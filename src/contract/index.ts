/**
 * The one contract between the workbench UI and the engine: every call's request and response as zod schemas.
 * The renderer imports this folder (and nothing else from src/); it imports nothing but zod; the serve mode and the Electron main process
 * validate every payload against it. Field names are camelCase because this is the UI's vocabulary; the engine
 * adapter maps to and from the engine's CoTLab-style snake_case records.
 */


export * from './datasets.js';
export * from './prompts.js';
export * from './model.js';
export * from './experiments.js';
export * from './results.js';
export * from './cluster.js';
export * from './calls.js';
export * from './errors.js';
export * from './desktop.js';
