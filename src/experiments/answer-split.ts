/**
 * activation_compare with recorded answers: within each run, do the samples the model answered correctly and those it
 * answered wrongly differ in their activations? Per layer, the two groups' means compared as two runs are (cosine,
 * L2, bootstrap intervals, permutation p-values Holm-adjusted over the layers), and each sample's PCA point can be
 * coloured by its correctness.
 */
import type { Sample } from '../datasets/sample.js';
import type { SampleAnswer } from '../results/answers.js';
import type { AnswerSplitRecord } from '../results/classification.js';
import type { Seed } from '../results/seed.js';
import { holmAdjust, SIGNIFICANCE_LEVEL } from '../results/significance.js';
import { analyseRunPairs, type AnalysedRun } from './analyse.js';

const MIN_GROUP = 2;

export function answerSplits(runs: readonly AnalysedRun[], answers: readonly (readonly SampleAnswer[])[], layers: readonly number[], seed: Seed): AnswerSplitRecord[] {
  return runs.map((run, r) => {
    const runAnswers = answers[r] ?? [];
    const pick = (correct: boolean): AnalysedRun => {
      const positions = runAnswers.flatMap((answer, position) => (answer.correct === correct ? [position] : []));
      return {
        name: `${run.name} (${correct ? 'correct' : 'incorrect'})`,
        vectorsByLayer: run.vectorsByLayer.map((vectors) => positions.map((position) => vectors[position] as Float32Array)),
        labels: positions.map((position) => run.labels[position] as Sample['label']),
        sampleIndices: positions.map((position) => run.sampleIndices[position] as number),
        // Two groups of one run never hold the same samples: analysed as independent.
        datasetHash: null,
      };
    };
    const correct = pick(true);
    const incorrect = pick(false);
    const base = {
      run: run.name,
      correct: correct.sampleIndices.length,
      incorrect: incorrect.sampleIndices.length,
      unscored: runAnswers.filter((answer) => answer.correct === null).length,
      significance_level: SIGNIFICANCE_LEVEL,
    };
    if (base.correct < MIN_GROUP || base.incorrect < MIN_GROUP) {
      return { ...base, not_analysed: `needs at least ${MIN_GROUP} correct and ${MIN_GROUP} incorrect answers`, layers: [] };
    }
    const [analysis] = analyseRunPairs([correct, incorrect], [[0, 1]], layers, seed);
    const perLayer = analysis?.perLayer ?? [];
    const tested = perLayer.flatMap((layer) => (layer.pValue === null ? [] : [layer.pValue]));
    const adjusted = holmAdjust(tested);
    let next = 0;
    return {
      ...base,
      not_analysed: null,
      layers: perLayer.map((layer) => ({
        layer: layer.layer,
        cosine: layer.cosine,
        l2: layer.l2,
        cosine_ci: layer.cosineCi,
        l2_ci: layer.l2Ci,
        p_value: layer.pValue,
        p_value_holm: layer.pValue === null ? null : (adjusted[next++] as number),
      })),
    };
  });
}
