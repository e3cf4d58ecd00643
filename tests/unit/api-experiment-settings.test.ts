import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ExperimentRequest } from '../../src/contract/index.js';
import { ExperimentDefaultsSchema, ExperimentSettingsSchema } from '../../src/contract/index.js';
import { experimentConfig } from '../../src/services/experiment-config.js';
import { createPathPolicy } from '../../src/services/path-policy.js';
import { experimentDefaults, settingsOfConfig } from '../../src/services/experiment-settings.js';
import { baseConfig, configOptions } from '../../src/services/workbench-configs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const configDir = path.join(root, 'configs');
const noModel = () => {
  throw new Error('the model is not needed without a layer stride');
};

describe('experiment settings from the configs', () => {
  const base = baseConfig(configDir);
  const options = configOptions(configDir);

  it('gives the composed default experiment as the form starts from it (pooling mean, 20 samples, seed 42)', () => {
    const defaults = ExperimentDefaultsSchema.parse(experimentDefaults(base, options, root, () => 6));
    expect(defaults).toEqual({
      modelDir: null,
      variants: [
        {
          name: 'histopathology',
          dataset: { kind: 'bundled', name: 'histopathology' },
          prompt: { name: 'histopathology', options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' } },
          numSamples: 20,
          seed: 42,
        },
        {
          name: 'radiology',
          dataset: { kind: 'bundled', name: 'radiology' },
          prompt: { name: 'radiology', options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' } },
          numSamples: 20,
          seed: 42,
        },
      ],
      layers: null,
      pooling: 'mean',
      comparisonMode: 'pairwise',
      hook: 'resid_post',
      maxInputTokens: null,
      experimentType: 'activation_compare',
      recordAnswers: false,
      generation: { maxNewTokens: 256, doSample: false, temperature: 1, topP: 1, seed: null },
      topK: null,
      answerCue: null,
      numSamples: 20,
      seed: 42,
      typeDefaults: {
        activation_compare: { experimentType: 'activation_compare', recordAnswers: false, generation: { maxNewTokens: 256, doSample: false, temperature: 1, topP: 1, seed: null }, topK: null, answerCue: null },
        classification: { experimentType: 'classification', recordAnswers: false, generation: { maxNewTokens: 256, doSample: false, temperature: 1, topP: 1, seed: null }, topK: null, answerCue: null },
        logit_lens: { experimentType: 'logit_lens', recordAnswers: false, generation: null, topK: 10, answerCue: '\n\nFINAL ANSWER:' },
      },
    });
  });

  it('lists every n-th layer when the config strides without a list', () => {
    const strided = { ...base, experiment: { ...base.experiment, layer_stride: 2 } };
    expect(experimentDefaults(strided, options, root, () => 7).layers).toEqual([0, 2, 4, 6]);
  });

  it('reads back exactly what a request put into the run config: prompt options, file datasets, seeds, capture settings', () => {
    const request: ExperimentRequest = {
      modelDir: path.join(root, 'resources/demo-model'),
      variants: [
        {
          name: 'histo_yaml',
          dataset: { kind: 'bundled', name: 'histopathology' },
          prompt: { name: 'histopathology', options: { fewShot: false, answerFirst: true, contrarian: true, outputFormat: 'yaml' } },
          numSamples: 7,
          seed: -3,
        },
        {
          name: 'notes',
          dataset: {
            kind: 'file',
            path: path.join(root, 'tests/fixtures/datasets/delimited-basic.tsv'),
            format: 'delimited',
            mapping: { textColumn: 'note', labelColumn: 'label', metadataColumns: ['site'], delimiter: '\t' },
            name: 'notes-2',
          },
          prompt: { name: 'radiology', options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'plain' } },
          numSamples: null,
          seed: 9007199254740991,
        },
      ],
      layers: [0, 2, 5],
      pooling: 'last_token',
      comparisonMode: 'baseline',
      hook: 'cotlab',
      maxInputTokens: 256,
      experimentType: 'activation_compare',
      recordAnswers: true,
      generation: { maxNewTokens: 12, doSample: true, temperature: 0.7, topP: 0.9, seed: 5 },
      topK: null,
      answerCue: 'Answer:',
    };
    const config = experimentConfig(request, base, options, createPathPolicy({ kind: 'unrestricted' }, []));
    expect(config.prompt).toMatchObject({ few_shot: false, answer_first: true, contrarian: true, output_format: 'yaml' });
    expect(ExperimentSettingsSchema.parse(settingsOfConfig(config, base, options, root, noModel))).toEqual(request);
  });

  it('reads back the settings of a classification and of a logit_lens request', () => {
    const variants: ExperimentRequest['variants'] = [
      { name: 'radiology', dataset: { kind: 'bundled', name: 'radiology' }, prompt: { name: 'radiology', options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' } }, numSamples: 4, seed: 1 },
    ];
    const capture = { pooling: 'mean', hook: 'resid_post' } as const;
    const classification: ExperimentRequest = {
      modelDir: null,
      variants,
      layers: null,
      ...capture,
      comparisonMode: 'baseline',
      maxInputTokens: null,
      experimentType: 'classification',
      recordAnswers: false,
      generation: { maxNewTokens: 16, doSample: false, temperature: 1, topP: 1, seed: null },
      topK: null,
      answerCue: null,
    };
    const paths = createPathPolicy({ kind: 'unrestricted' }, []);
    const classified = experimentConfig(classification, base, options, paths);
    expect(classified.experiment).toMatchObject({ name: 'classification', comparison_mode: 'baseline', generation: { max_new_tokens: 16 } });
    expect(ExperimentSettingsSchema.parse(settingsOfConfig(classified, base, options, root, noModel))).toEqual(classification);
    const lens = { ...classification, comparisonMode: 'pairwise' as const, layers: [1, 3], experimentType: 'logit_lens' as const, generation: null, topK: 7, answerCue: 'A:' };
    const lensConfig = experimentConfig(lens, base, options, paths);
    expect(lensConfig.experiment).toMatchObject({ name: 'logit_lens', layers: [1, 3], top_k: 7, answer_cue: 'A:' });
    expect(ExperimentSettingsSchema.parse(settingsOfConfig(lensConfig, base, options, root, noModel))).toEqual(lens);
  });
});
