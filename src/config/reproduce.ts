import { DatasetSpecSchema } from '../datasets/spec.js';
import { composeConfig } from './compose.js';
import { ConfigError } from './errors.js';
import { listGroupOptions, loadGroupOption, readPrimaryConfig } from './groups.js';
import { formatOverrideValue } from './overrides.js';
import { PromptSpecSchema, type WorkbenchConfig } from './schemas.js';
import { deepEqual, dottedPath, isMapping } from './tree.js';

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key));
}

/** Group options in validated form, by group, for variant dataset / prompt entries. */
type VariantOptions = Map<string, Map<string, unknown>>;

const VARIANT_COMPONENT_SCHEMAS = { dataset: DatasetSpecSchema, prompt: PromptSpecSchema } as const;

function loadVariantOptions(configDir: string): VariantOptions {
  const byGroup: VariantOptions = new Map();
  for (const [group, schema] of Object.entries(VARIANT_COMPONENT_SCHEMAS)) {
    const options = new Map<string, unknown>();
    for (const option of listGroupOptions(configDir, group)) {
      const parsed = schema.safeParse(loadGroupOption(configDir, { group, option }, { path: group, override: null }));
      if (parsed.success) options.set(option, parsed.data);
    }
    byGroup.set(group, options);
  }
  return byGroup;
}

/** `experiment.variants.<i>.dataset` / `.prompt`: the group whose option names it may take, else null. */
function variantComponentGroup(path: readonly string[]): string | null {
  const [experiment, variants, index, group] = path;
  const isVariantComponent = path.length === 4 && experiment === 'experiment' && variants === 'variants' && /^\d+$/.test(index ?? '');
  return isVariantComponent && group !== undefined && Object.hasOwn(VARIANT_COMPONENT_SCHEMAS, group) ? group : null;
}

/**
 * `key=value` overrides turning `base` into `actual`. Mappings with the same keys and equally long lists of
 * mappings (variants) are compared item by item; anything else that differs is set as a whole. With `options`, a
 * variant dataset / prompt is named by a group option instead when that needs fewer overrides.
 */
function diffOverrides(actual: unknown, base: unknown, path: string[], out: string[], options: VariantOptions | null): void {
  if (deepEqual(actual, base)) return;
  const group = options === null ? null : variantComponentGroup(path);
  if (group !== null && isMapping(actual)) {
    let best: string[] = [];
    diffOverrides(actual, base, path, best, null);
    for (const [option, mapping] of options?.get(group) ?? []) {
      const viaOption = [`${dottedPath(path)}=${option}`];
      diffOverrides(actual, mapping, path, viaOption, null);
      if (viaOption.length < best.length) best = viaOption;
    }
    out.push(...best);
    return;
  }
  if (isMapping(actual) && isMapping(base) && sameKeys(actual, base)) {
    for (const key of Object.keys(actual)) diffOverrides(actual[key], base[key], [...path, key], out, options);
    return;
  }
  const itemwise =
    Array.isArray(actual) && Array.isArray(base) && actual.length === base.length && actual.some((item) => isMapping(item));
  if (itemwise) {
    actual.forEach((item: unknown, index) => diffOverrides(item, base[index], [...path, String(index)], out, options));
    return;
  }
  out.push(`${dottedPath(path)}=${formatOverrideValue(actual)}`);
}

function groupDiffCount(actual: unknown, candidate: unknown, group: string): number {
  const out: string[] = [];
  diffOverrides(actual, candidate, [group], out, null);
  return out.length;
}

/** The group's option closest to the config's value (fewest differing settings; the default wins ties). */
function closestOption(config: Record<string, unknown>, configDir: string, group: string, defaultOption: string): string {
  let best = defaultOption;
  let bestCount = Infinity;
  const options = [defaultOption, ...listGroupOptions(configDir, group).filter((option) => option !== defaultOption)];
  for (const option of options) {
    let candidate: Record<string, unknown>;
    try {
      candidate = composeConfig({ configDir, overrides: [`${group}=${option}`] });
    } catch (error) {
      // An option that does not compose on its own cannot be the one this config came from.
      if (error instanceof ConfigError) continue;
      throw error;
    }
    const actual = config[group];
    // An option of another shape (another experiment's settings) would be replaced whole: not a close option.
    if (isMapping(actual) && isMapping(candidate[group]) && !sameKeys(actual, candidate[group] as Record<string, unknown>)) continue;
    const count = groupDiffCount(actual, candidate[group], group);
    if (count < bestCount) {
      best = option;
      bestCount = count;
    }
  }
  return best;
}

/**
 * A minimal override list that recreates `config` from `configDir`: group choices first (the option closest to
 * each group's value), then `key=value` for every setting that differs from what those choices compose to.
 * composeConfig with it gives back an equal config.
 */
export function reproduceOverrides(config: WorkbenchConfig, configDir: string): string[] {
  const primary = readPrimaryConfig(configDir);
  const record = config as unknown as Record<string, unknown>;
  const choices = primary.defaults
    .map(({ group, option }) => ({ group, option, best: closestOption(record, configDir, group, option) }))
    .filter(({ option, best }) => best !== option)
    .map(({ group, best }) => `${group}=${best}`);
  const base = composeConfig({ configDir, overrides: choices });
  const settings: string[] = [];
  diffOverrides(config, base, [], settings, loadVariantOptions(configDir));
  return [...choices, ...settings];
}
