export {
  buildDemoModel,
  DEMO_DATA_FILE,
  DEMO_MODEL_FILE,
  GENAI_CONFIG_FILE,
  SPLIT_DECODER_FILE,
  SPLIT_EMBED_FILE,
} from './build.js';
export type { DemoModelBuild, DemoModelOptions } from './build.js';
export { DEFAULT_DEMO_CONFIG, DemoModelConfigError, DemoModelOptionError, resolveDemoConfig } from './config.js';
export type { DemoModelConfig } from './config.js';
export { ioNames } from './gemma3-graph.js';
export type { DemoAttention, DemoLayout, DemoOpset } from './gemma3-graph.js';
export { specialTokenIds, SPECIAL_TOKENS } from './tokenizer-files.js';
export { weightNames } from './weights.js';
