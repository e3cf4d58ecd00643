import { ConfigError } from './errors.js';
import { parseJsonExact } from './exact-json.js';
import { groupOptionFile, loadGroupOption, OPTION_NAME, readPrimaryConfig } from './groups.js';
import { parseOverride, setAtPath, type ParsedOverride } from './overrides.js';
import type { WorkbenchConfig } from './schemas.js';
import { deepMerge, isMapping, type Tree } from './tree.js';
import { validateResolvedConfig } from './validate.js';
import { expandVariantComponents, type OptionLoader } from './variants.js';
import { parseYamlText, readConfigText } from './yaml-file.js';

export interface ComposeOptions {
  /** The configs/ directory (config.yaml plus one folder per group). */
  configDir: string;
  /** Hydra-style overrides: `group=option` choices and `a.b.c=value` settings. */
  overrides: readonly string[];
}

function optionName(override: ParsedOverride): string {
  const option = override.rawValue.trim();
  if (!OPTION_NAME.test(option)) {
    throw new ConfigError(`expected the name of a ${override.key} option, e.g. ${override.key}=<file name without .yaml>`, {
      path: override.key,
      override: override.text,
    });
  }
  return option;
}

function hasPath(tree: unknown, path: readonly string[]): boolean {
  let node = tree;
  for (const key of path) {
    if (!isMapping(node) || !Object.hasOwn(node, key)) return false;
    node = node[key];
  }
  return true;
}

function applyValueOverrides(config: Tree, overrides: readonly ParsedOverride[], loadOption: OptionLoader): void {
  for (const override of overrides) {
    setAtPath(config, override);
    expandVariantComponents(config, loadOption, override.text);
  }
}

/**
 * Composes configs/config.yaml with its group options, the way Hydra does: group choices from the overrides
 * first, then each group's YAML, then variant dataset/prompt option names expanded to full mappings, then the
 * value overrides; the result is validated against the schema.
 */
export function composeConfig(opts: ComposeOptions): WorkbenchConfig {
  const { configDir } = opts;
  const primary = readPrimaryConfig(configDir);
  // Per group: the chosen option and the override that chose it (null: the defaults list).
  const choices = new Map<string, { option: string; override: string | null }>(
    primary.defaults.map(({ group, option }) => [group, { option, override: null }]),
  );
  const parsed = opts.overrides.map(parseOverride);
  const valueOverrides: ParsedOverride[] = [];
  for (const override of parsed) {
    if (override.segments.length === 1 && choices.has(override.key)) {
      choices.set(override.key, { option: optionName(override), override: override.text });
    } else {
      valueOverrides.push(override);
    }
  }

  const groups: Tree = {};
  for (const [group, { option, override }] of choices) {
    groups[group] = loadGroupOption(configDir, { group, option }, { path: group, override });
  }
  const config = deepMerge(groups, primary.values) as Tree;
  const loadOption: OptionLoader = (choice, request) => loadGroupOption(configDir, choice, request);
  expandVariantComponents(config, loadOption, null);
  applyValueOverrides(config, valueOverrides, loadOption);

  return validateResolvedConfig(config, {
    overrides: valueOverrides,
    fileFor: (path) => {
      const [group] = path;
      const choice = group === undefined ? undefined : choices.get(group);
      if (group === undefined || choice === undefined || hasPath(primary.values, path)) return primary.file;
      return groupOptionFile(configDir, { group, option: choice.option });
    },
  });
}

function parseSavedConfig(file: string): unknown {
  const text = readConfigText(file);
  if (!file.toLowerCase().endsWith('.json')) return parseYamlText(text, file);
  try {
    return parseJsonExact(text);
  } catch (error) {
    throw new ConfigError(`invalid JSON: ${(error as Error).message}`, { file });
  }
}

/**
 * A previously resolved config (config.json of a run, JSON or YAML) with value overrides on top, re-validated.
 * Group choices are not possible here: there are no group folders to pick from.
 */
export function loadSavedConfig(path: string, overrides: readonly string[]): WorkbenchConfig {
  const saved = parseSavedConfig(path);
  if (!isMapping(saved)) throw new ConfigError('expected a mapping at the top level', { file: path });
  const parsed = overrides.map(parseOverride);
  for (const override of parsed) {
    if (override.segments.length === 1 && isMapping(saved[override.key])) {
      throw new ConfigError(
        `a saved config cannot switch its ${override.key} option; set single fields instead, e.g. ${override.key}.name=...`,
        { path: override.key, override: override.text },
      );
    }
  }
  const noGroups: OptionLoader = (choice, request) => {
    throw new ConfigError(
      `'${choice.option}' names a ${choice.group} option, but a saved config has no config groups; give the full mapping or "base"`,
      request,
    );
  };
  applyValueOverrides(saved, parsed, noGroups);
  return validateResolvedConfig(saved, { overrides: parsed, fileFor: () => path });
}
