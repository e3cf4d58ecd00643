import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './errors.js';
import { didYouMean } from './suggest.js';
import { isMapping, type Tree } from './tree.js';
import { readYamlFile } from './yaml-file.js';

/** The option chosen for one config group, e.g. `{group: 'dataset', option: 'radiology'}`. */
export interface GroupChoice {
  group: string;
  option: string;
}

/** configs/config.yaml split into its defaults list and its own values. */
export interface PrimaryConfig {
  file: string;
  defaults: GroupChoice[];
  /** Every key but `defaults`; merged over the group options (Hydra's `_self_` last). */
  values: Tree;
}

/** What a group option may be called: its YAML file name without .yaml. */
export const OPTION_NAME = /^[A-Za-z0-9_.-]+$/;

function primaryConfigFile(configDir: string): string {
  return join(configDir, 'config.yaml');
}

export function readPrimaryConfig(configDir: string): PrimaryConfig {
  const file = primaryConfigFile(configDir);
  const content = readYamlFile(file);
  if (!isMapping(content)) throw new ConfigError('expected a mapping at the top level', { file });
  const { defaults, ...values } = content;
  if (!Array.isArray(defaults)) {
    throw new ConfigError('needs a defaults list, e.g. defaults: [{dataset: histopathology}]', { file, path: 'defaults' });
  }
  const choices = defaults.map((entry: unknown, index): GroupChoice => {
    const pairs = isMapping(entry) ? Object.entries(entry) : [];
    const [pair] = pairs;
    if (pairs.length !== 1 || pair === undefined || typeof pair[1] !== 'string' || !OPTION_NAME.test(pair[1])) {
      throw new ConfigError('each defaults entry must be one group: option pair, e.g. {dataset: histopathology}', {
        file,
        path: `defaults.${index}`,
      });
    }
    return { group: pair[0], option: pair[1] };
  });
  return { file, defaults: choices, values };
}

/** Option names of a group: the .yaml files directly in configs/<group>/ (sub-folders are not options). */
export function listGroupOptions(configDir: string, group: string): string[] {
  const dir = join(configDir, group);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
    .map((entry) => entry.name.slice(0, -'.yaml'.length))
    .sort();
}

export function groupOptionFile(configDir: string, choice: GroupChoice): string {
  return join(configDir, choice.group, `${choice.option}.yaml`);
}

/** Where a group option is asked for: the key that names it and the override that did so, if any. */
export interface OptionRequest {
  path: string;
  override: string | null;
}

/** The mapping in configs/<group>/<option>.yaml; an unknown option names the ones that exist. */
export function loadGroupOption(configDir: string, choice: GroupChoice, request: OptionRequest): Tree {
  const options = listGroupOptions(configDir, choice.group);
  if (!options.includes(choice.option)) {
    const available = options.length > 0 ? `; available: ${options.join(', ')}` : '';
    throw new ConfigError(
      `unknown ${choice.group} option '${choice.option}'${didYouMean(choice.option, options) || available}`,
      request,
    );
  }
  const file = groupOptionFile(configDir, choice);
  const content = readYamlFile(file);
  if (!isMapping(content)) throw new ConfigError('expected a mapping at the top level', { file });
  return content;
}
