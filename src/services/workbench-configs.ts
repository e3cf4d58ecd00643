import { readFileSync } from 'node:fs';
import path from 'node:path';
import { composeConfig } from '../config/compose.js';
import { listGroupOptions, loadGroupOption } from '../config/groups.js';
import { PromptSpecSchema, type AnyExperimentSpec, type PromptSpec, type WorkbenchConfig } from '../config/schemas.js';
import { readYamlFile } from '../config/yaml-file.js';
import { DatasetSpecSchema, type DatasetSpec } from '../datasets/spec.js';
import { strategyFilePath } from '../prompts/strategy.js';
import type { ConfigOptions } from './experiment-config.js';

/** The composed default configuration (configs/config.yaml with its group defaults), as `cotlab-wb run` starts from. */
export function baseConfig(configDir: string): WorkbenchConfig {
  return composeConfig({ configDir, overrides: [] });
}

/** The bundled dataset and prompt options a UI request may name, read from configs/. */
export function configOptions(configDir: string): ConfigOptions {
  const datasets = new Map<string, DatasetSpec>();
  for (const option of listGroupOptions(configDir, 'dataset')) {
    const spec = DatasetSpecSchema.parse(loadGroupOption(configDir, { group: 'dataset', option }, { path: 'dataset', override: null }));
    datasets.set(spec.name, spec);
  }
  const prompts = new Map<string, PromptSpec>();
  for (const option of listGroupOptions(configDir, 'prompt')) {
    const spec = PromptSpecSchema.parse(loadGroupOption(configDir, { group: 'prompt', option }, { path: 'prompt', override: null }));
    prompts.set(spec.name, spec);
  }
  const experiments = new Map<string, AnyExperimentSpec>();
  // Composed, so variant dataset / prompt option names are expanded as a run would expand them.
  for (const option of listGroupOptions(configDir, 'experiment')) {
    const spec = composeConfig({ configDir, overrides: [`experiment=${option}`] }).experiment;
    experiments.set(spec.name, spec);
  }
  return { datasets, prompts, experiments };
}

/** The leading comment of a config option file, joined into one description; null when there is none. */
export function optionDescription(configDir: string, group: string, option: string): string | null {
  let text: string;
  try {
    text = readFileSync(path.join(configDir, group, `${option}.yaml`), 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const end = lines.findIndex((line) => !line.startsWith('#'));
  const comment = lines
    .slice(0, end < 0 ? lines.length : end)
    .map((line) => line.replace(/^#\s*/, ''))
    .join(' ')
    .trim();
  return comment === '' ? null : comment;
}

/** The `description` of a prompt strategy file; null when it has none or cannot be read. */
export function strategyDescription(spec: PromptSpec, configDir: string): string | null {
  try {
    const data = readYamlFile(strategyFilePath(spec, configDir));
    const description = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['description'] : null;
    return typeof description === 'string' ? description : null;
  } catch {
    return null;
  }
}
