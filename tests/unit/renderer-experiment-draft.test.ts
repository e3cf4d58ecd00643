import { describe, expect, it } from 'vitest';
import type { ExperimentDefaults, ModelInspection, PromptStrategyInfo } from '../../src/contract/index.js';
import { ExperimentRequestSchema } from '../../src/contract/index.js';
import type { OpenDataset } from '../../renderer/src/dataset-choices.js';
import { datasetChoices, uniqueDatasetName } from '../../renderer/src/dataset-choices.js';
import { checkDraft, readableIssue, type DraftContext } from '../../renderer/src/draft-check.js';
import { draftFromSettings, newVariant, withExperimentType, type ExperimentDraft } from '../../renderer/src/experiment-draft.js';
import { formatLayerSpec, parseLayerSpec } from '../../renderer/src/layer-spec.js';

const datasets: OpenDataset[] = [
  { key: 'bundled:histopathology', label: 'histopathology', source: { kind: 'bundled', name: 'histopathology' }, totalSamples: 78, labels: [] },
  { key: 'bundled:radiology', label: 'radiology', source: { kind: 'bundled', name: 'radiology' }, totalSamples: 60, labels: [] },
];
const options = { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' as const };
const prompts: PromptStrategyInfo[] = [
  { name: 'radiology', description: null, defaults: options, outputFormats: ['json', 'yaml'] },
  { name: 'histopathology', description: null, defaults: { ...options, fewShot: false }, outputFormats: ['json', 'yaml'] },
];
const defaults: ExperimentDefaults = {
  modelDir: null,
  variants: [
    { name: 'histopathology', dataset: { kind: 'bundled', name: 'histopathology' }, prompt: { name: 'histopathology', options }, numSamples: 20, seed: 42 },
    { name: 'radiology', dataset: { kind: 'bundled', name: 'radiology' }, prompt: { name: 'radiology', options }, numSamples: null, seed: '123456789012345678901' },
  ],
  layers: [0, 1, 2, 5],
  pooling: 'mean',
  comparisonMode: 'pairwise',
  hook: 'resid_post',
  maxInputTokens: null,
  experimentType: 'activation_compare',
  recordAnswers: false,
  generation: { maxNewTokens: 64, doSample: false, temperature: 1, topP: 1, seed: null },
  topK: null,
  answerCue: '\n\nFINAL ANSWER:',
  numSamples: 20,
  seed: 42,
  typeDefaults: {
    activation_compare: { experimentType: 'activation_compare', recordAnswers: false, generation: { maxNewTokens: 64, doSample: false, temperature: 1, topP: 1, seed: null }, topK: null, answerCue: '\n\nFINAL ANSWER:' },
    classification: { experimentType: 'classification', recordAnswers: false, generation: { maxNewTokens: 48, doSample: false, temperature: 1, topP: 1, seed: null }, topK: null, answerCue: '\n\nFINAL ANSWER:' },
    logit_lens: { experimentType: 'logit_lens', recordAnswers: false, generation: null, topK: 10, answerCue: '\n\nFINAL ANSWER:' },
  },
};
const model = { ok: true, numLayers: 6, dir: '/models/demo', problems: [] } as unknown as ModelInspection;
const context: DraftContext = { catalogLoaded: true, datasets, prompts, modelDir: null, model };

function draft(change: (draft: ExperimentDraft) => void = () => undefined): ExperimentDraft {
  const made = draftFromSettings({ ...defaults, variants: defaults.variants.map((variant) => ({ ...variant, seed: 42 })) });
  change(made);
  return made;
}

const messages = (made: ExperimentDraft, using: DraftContext = context) => checkDraft(made, using).problems.map((problem) => problem.message);

describe('experiment draft', () => {
  it('starts from the engine defaults exactly: pooling, samples, seeds (exact digits), layers, prompt options', () => {
    const made = draftFromSettings(defaults);
    expect(made).toMatchObject({ layers: '0-2, 5', pooling: 'mean', maxInputTokens: '' });
    expect(made.variants.map((variant) => [variant.name, variant.numSamples, variant.seed, variant.prompt])).toEqual([
      ['histopathology', '20', '42', { name: 'histopathology', options }],
      ['radiology', 'all', '123456789012345678901', { name: 'radiology', options }],
    ]);
  });

  it('becomes the request the form shows, option for option', () => {
    const made = draft((d) => {
      d.variants[0]!.prompt = { name: 'histopathology', options: { fewShot: false, answerFirst: false, contrarian: true, outputFormat: 'yaml' } };
      d.variants[1]!.numSamples = '0';
      d.variants[1]!.seed = ' -5 ';
      d.maxInputTokens = '512';
    });
    const { request, problems } = checkDraft(made, context);
    expect(problems).toEqual([]);
    expect(ExperimentRequestSchema.parse(request)).toEqual({
      modelDir: null,
      variants: [
        { name: 'histopathology', dataset: { kind: 'bundled', name: 'histopathology' }, prompt: made.variants[0]!.prompt, numSamples: 20, seed: 42 },
        { name: 'radiology', dataset: { kind: 'bundled', name: 'radiology' }, prompt: { name: 'radiology', options }, numSamples: null, seed: -5 },
      ],
      layers: [0, 1, 2, 5],
      pooling: 'mean',
      comparisonMode: 'pairwise',
      hook: 'resid_post',
      maxInputTokens: 512,
      experimentType: 'activation_compare',
      recordAnswers: false,
      answerCue: '\n\nFINAL ANSWER:',
    });
  });

  it("switches the experiment type to that type's configured settings and builds its request", () => {
    const classification = withExperimentType(draft(), 'classification', defaults.typeDefaults);
    expect(classification).toMatchObject({ experimentType: 'classification', generation: { maxNewTokens: '48', doSample: false } });
    expect(checkDraft(classification, context).request).toMatchObject({ experimentType: 'classification', recordAnswers: false, generation: { maxNewTokens: 48, doSample: false, seed: null } });
    const lens = withExperimentType(classification, 'logit_lens', defaults.typeDefaults);
    expect(lens).toMatchObject({ experimentType: 'logit_lens', generation: null, topK: '10' });
    const lensRequest = checkDraft(lens, context).request;
    expect(lensRequest).toMatchObject({ experimentType: 'logit_lens', topK: 10 });
    expect(lensRequest).not.toHaveProperty('generation');
    expect(messages({ ...lens, topK: '0' })).toEqual(['Top tokens per layer must be a whole number from 1 to 100; "0" is not.']);
    const sampled = { ...classification, generation: { ...classification.generation!, doSample: true, topP: '1.5', maxNewTokens: 'x' } };
    expect(messages(sampled)).toEqual(['Max new tokens must be a whole number from 1 to 4096; "x" is not.', 'Top-p must be a number above 0 and at most 1; "1.5" is not.']);
  });

  it('refuses a type the model cannot run, in the words the engine gave', () => {
    const headless = { ...model, capabilities: { lmHead: false, kvCache: false, experiments: ['activation_compare'], notes: ['The graph has no logits output.'] } } as unknown as ModelInspection;
    const using = { ...context, model: headless };
    expect(messages(withExperimentType(draft(), 'classification', defaults.typeDefaults), using)).toEqual(['This model cannot run classification (generates answers). The graph has no logits output.']);
    expect(messages({ ...draft(), recordAnswers: true }, using)).toEqual(['This model cannot run recorded answers. The graph has no logits output.']);
    expect(messages(draft(), using)).toEqual([]);
  });

  it('takes blank, "all", 0 and negative samples as the whole dataset, and notes a count over the dataset size', () => {
    for (const text of ['', 'all', 'ALL', '0', '-3']) {
      expect(checkDraft(draft((d) => (d.variants[0]!.numSamples = text)), context).request?.variants[0]?.numSamples).toBeNull();
    }
    const capped = checkDraft(draft((d) => (d.variants[0]!.numSamples = '500')), context);
    expect(capped.problems).toEqual([]);
    expect(capped.notes).toEqual(['Variant "histopathology" asks for 500 samples; histopathology has 78, so it will use all 78.']);
    expect(messages(draft((d) => (d.variants[0]!.numSamples = 'twenty')))).toEqual([
      'Variant "histopathology": samples must be a whole number, or "all" (or blank) for the whole dataset; "twenty" is not.',
    ]);
  });

  it('gives one message for a seed out of the range JSON carries, negative ones included', () => {
    const expected = (text: string) =>
      `Variant "histopathology": the seed must be a whole number from -9007199254740991 to 9007199254740991 ("${text}" is not); set a larger seed with experiment.seed in a config or on the command line.`;
    expect(messages(draft((d) => (d.variants[0]!.seed = '4294967296')))).toEqual([]);
    expect(messages(draft((d) => (d.variants[0]!.seed = '-9007199254740991')))).toEqual([]);
    expect(messages(draft((d) => (d.variants[0]!.seed = '9007199254740992')))).toEqual([expected('9007199254740992')]);
    expect(messages(draft((d) => (d.variants[0]!.seed = 'forty')))).toEqual([expected('forty')]);
  });

  it('checks the model and the layers against its depth before Run', () => {
    expect(messages(draft(), { ...context, model: null })).toEqual(['The model is still being checked.']);
    expect(messages(draft(), { ...context, catalogLoaded: false, datasets: [], prompts: [] })).toEqual(['The prompt strategies and datasets are still loading.']);
    const broken = { ok: false, numLayers: null, dir: '/models/broken', problems: ['No decoder layers were found in model.onnx.'] } as unknown as ModelInspection;
    expect(messages(draft(), { ...context, modelDir: '/models/broken', model: broken })).toEqual([
      'The model folder /models/broken cannot be used: No decoder layers were found in model.onnx. Choose another on the Model screen.',
    ]);
    expect(messages(draft((d) => (d.layers = '4-7')))).toEqual(['Layers 6 and 7 do not exist: this model has 6 layers, numbered 0 to 5.']);
    expect(messages(draft((d) => (d.layers = '9')))).toEqual(['Layer 9 does not exist: this model has 6 layers, numbered 0 to 5.']);
    expect(messages(draft((d) => (d.layers = '5-2')))).toEqual(['Layers "5-2": the range 5-2 runs backwards. Use "all", or layer numbers and ranges such as 0-5, 8.']);
  });

  it('names clashing, empty and malformed variant names, missing datasets and bad token limits in words', () => {
    expect(messages(draft((d) => (d.variants[1]!.name = 'histopathology')))).toEqual(['Two variants are named "histopathology": give each variant its own name.']);
    expect(messages(draft((d) => (d.variants[0]!.name = ' ')))).toEqual(['Variant 1 needs a name.']);
    expect(messages(draft((d) => (d.variants[0]!.name = 'my run')))).toEqual(['The name "my run" may hold only letters, digits, dot, dash and underscore.']);
    expect(messages(draft((d) => (d.variants = [])))).toEqual(['Add at least one variant.']);
    expect(messages(draft((d) => (d.variants[0]!.dataset = { kind: 'file', path: '/gone.tsv', format: 'hare_tsv', mapping: { textColumn: null, labelColumn: null, metadataColumns: [], delimiter: null } })))).toEqual([
      'Variant "histopathology" uses the dataset /gone.tsv, which is not open: open it on the Datasets screen or pick another.',
    ]);
    expect(messages(draft((d) => (d.maxInputTokens = '0')))).toEqual(['Max input tokens must be a whole number of at least 1, or blank for no limit; "0" is not.']);
  });

  it('says where a refusal from the server is in the form\'s words, not as field paths', () => {
    expect(readableIssue('variants.0.numSamples: must be at least 1', ['histo'])).toBe('Variant "histo" samples: must be at least 1');
    expect(readableIssue('variants.3.seed: too big', ['a'])).toBe('Variant 4 seed: too big');
    expect(readableIssue('layers.0: must be a whole number', [])).toBe('Layers: must be a whole number');
    expect(readableIssue('variants: variant names must be unique', [])).toBe('Variants: variant names must be unique');
    expect(readableIssue('The file is broken.', [])).toBe('The file is broken.');
    expect(readableIssue('The startExperiment request is invalid: variants.1.seed: must be a whole number', ['a', 'b'])).toBe(
      'The startExperiment request is invalid: Variant "b" seed: must be a whole number',
    );
    expect(readableIssue('Dataset: unknown: kept as is', [])).toBe('Dataset: unknown: kept as is');
  });

  it('adds variants on a dataset with its same-named prompt and the configured samples and seed, under a free name', () => {
    const variant = newVariant(datasets[0]!, prompts, defaults, ['histopathology']);
    expect(variant).toMatchObject({ name: 'histopathology_2', numSamples: '20', seed: '42', prompt: { name: 'histopathology', options: { fewShot: false } } });
  });

  it('offers bundled and opened datasets under unique names', () => {
    const file: OpenDataset = { key: 'file:/x/radiology.json', label: 'radiology-2', source: { kind: 'file', path: '/x/radiology.json', format: 'radiology', mapping: { textColumn: null, labelColumn: null, metadataColumns: [], delimiter: null } }, totalSamples: 3, labels: [] };
    const bundled = [{ name: 'radiology', format: 'radiology' as const, path: 'data/radiology.json', description: null, samples: 60, labels: [], problem: null }];
    expect(datasetChoices(bundled, [datasets[1]!, file]).map((entry) => entry.label)).toEqual(['radiology', 'radiology-2']);
    expect(uniqueDatasetName('radiology', 'file:/y/radiology.json', datasetChoices(bundled, [file]))).toBe('radiology-3');
    expect(uniqueDatasetName('notes', 'file:/y/notes.tsv', datasets)).toBe('notes');
  });

  it('writes and reads layer lists', () => {
    expect(formatLayerSpec(null)).toBe('all');
    expect(formatLayerSpec([5, 0, 1, 2, 8, 9])).toBe('0-2, 5, 8-9');
    expect(parseLayerSpec(formatLayerSpec([5, 0, 1, 2, 8, 9]))).toEqual([0, 1, 2, 5, 8, 9]);
  });
});
