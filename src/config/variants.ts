import type { DatasetSpec } from '../datasets/spec.js';
import type { GroupChoice, OptionRequest } from './groups.js';
import type { PromptSpec, WorkbenchConfig } from './schemas.js';
import type { Seed } from '../results/seed.js';
import { isMapping, type Tree } from './tree.js';

/** Variant keys whose string value names an option of the group of the same name. */
const VARIANT_COMPONENTS = ['dataset', 'prompt'] as const;

/** null, "base" or "default" (any case): the top-level dataset / prompt, as in CoTLab. */
function isTopLevelRef(value: unknown): value is null | string {
  return value === null || (typeof value === 'string' && /^(base|default)$/i.test(value));
}

export type OptionLoader = (choice: GroupChoice, request: OptionRequest) => Tree;

/**
 * Replaces each variant dataset / prompt string that names a group option (e.g. `radiology`) by that option's
 * full mapping, so its fields can be overridden one by one. Mutates `config`.
 */
export function expandVariantComponents(config: Tree, loadOption: OptionLoader, override: string | null): void {
  const experiment = config['experiment'];
  const variants = isMapping(experiment) ? experiment['variants'] : undefined;
  if (!Array.isArray(variants)) return;
  variants.forEach((variant: unknown, index) => {
    if (!isMapping(variant)) return;
    for (const group of VARIANT_COMPONENTS) {
      const option = variant[group];
      if (typeof option === 'string' && !isTopLevelRef(option)) {
        variant[group] = loadOption({ group, option }, { path: `experiment.variants.${index}.${group}`, override });
      }
    }
  });
}

/** One run of activation_compare with every "use the top-level one" already resolved. */
export interface ResolvedVariant {
  name: string;
  dataset: DatasetSpec;
  prompt: PromptSpec;
  /** null: the whole dataset (CoTLab also treats <= 0 that way). */
  num_samples: number | null;
  seed: Seed;
}

/** The runs of an experiment in order; no variants means one run named `base` with the top-level settings. */
export function resolveVariants(config: WorkbenchConfig): ResolvedVariant[] {
  const { experiment } = config;
  if (experiment.variants.length === 0) {
    return [
      { name: 'base', dataset: config.dataset, prompt: config.prompt, num_samples: experiment.num_samples, seed: experiment.seed },
    ];
  }
  return experiment.variants.map((variant) => ({
    name: variant.name,
    dataset: isTopLevelRef(variant.dataset) ? config.dataset : variant.dataset,
    prompt: isTopLevelRef(variant.prompt) ? config.prompt : variant.prompt,
    num_samples: variant.num_samples ?? experiment.num_samples,
    seed: variant.seed ?? experiment.seed,
  }));
}
