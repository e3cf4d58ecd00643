import { stringify } from 'yaml';
import type { WorkbenchConfig } from './schemas.js';

/**
 * The resolved config as YAML, laid out like OmegaConf.to_yaml (list items flush with their key); text with line
 * breaks is double-quoted so values such as an answer cue stay visible.
 */
export function toYaml(config: WorkbenchConfig): string {
  return stringify(config, { indentSeq: false, lineWidth: 0, blockQuote: false });
}
