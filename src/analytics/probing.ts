import type { Seed } from '../results/seed.js';
import { holmAdjust, layersBeyondChance } from '../results/significance.js';
import { classificationScores, confusionMatrix, type ClassificationScores } from './classification-metrics.js';
import { AnalysisInputError } from './errors.js';
import { crossGram, rowGram } from './dense-kernels.js';
import { fitStandardiser, selectRows, standardise } from './feature-scaling.js';
import { fitLogisticRegression, predictClasses, type FeatureMatrix, type LogisticModel } from './logistic-regression.js';
import { permutationCountFor } from './permutation-count.js';
import { modelInFeatures, reducedBasis, type ReducedBasis } from './reduced-basis.js';
import { ridgeCvAccuracy, ridgeFold, type RidgeFold } from './ridge-probe.js';
import { createSeededRng, shuffleInPlace, type SeededRng } from './seeded-rng.js';
import { foldSplit, stratifiedFolds } from './stratified-folds.js';
import { percentileInterval, sampleVariance, type Interval } from './summary-stats.js';

/** A sample's label as datasets give it. */
export type ProbeLabel = number | boolean | string | null;

export interface ProbeSettings {
  /** Outer stratified cross-validation folds. */
  folds: number;
  /** Folds of the nested cross-validation that picks C inside each outer training part. */
  innerFolds: number;
  /** Candidate inverse regularisation strengths, ascending (ties go to the smaller, stronger one). */
  cGrid: number[];
  seed: Seed;
  bootstrapResamples: number;
  confidenceLevel: number;
  significanceLevel: number;
}

export const DEFAULT_PROBE_SETTINGS: Omit<ProbeSettings, 'seed' | 'significanceLevel'> = {
  folds: 5,
  innerFolds: 3,
  cGrid: [0.001, 0.01, 0.1, 1, 10],
  bootstrapResamples: 1000,
  confidenceLevel: 0.95,
};

export interface ProbeInput {
  /** Model layer of each entry of vectorsByLayer. */
  layers: number[];
  /** vectorsByLayer[k][i]: sample i's pooled vector at layers[k]. */
  vectorsByLayer: Float32Array[][];
  labels: ProbeLabel[];
  /** Dataset index of each sample, to name a sample in errors. */
  sampleIndices: number[];
  settings: ProbeSettings;
}

export interface LayerProbe {
  layer: number;
  /** Held-out scores of the logistic probe over all folds. */
  scores: ClassificationScores;
  accuracyCi: Interval;
  balancedAccuracyCi: Interval;
  macroF1Ci: Interval;
  foldAccuracies: number[];
  /** Standard error of the mean fold accuracy. */
  accuracySe: number;
  /** Held-out accuracy of predicting each training part's most frequent class. */
  majorityAccuracy: number;
  /** Held-out accuracy of the same probe trained on labels shuffled within each training part (Hewitt & Liang). */
  controlAccuracy: number;
  /** Probe accuracy minus control accuracy. */
  selectivity: number;
  /** C chosen by the nested cross-validation in each fold. */
  chosenC: number[];
  /** counts[true][predicted] of the held-out predictions. */
  confusion: number[][];
  /** Held-out accuracy of the ridge probe the permutation test uses, on the true labels. */
  ridgeAccuracy: number;
  pValue: number;
  pValueHolm: number;
  /** Logistic fits that hit the iteration limit or whose line search failed (0: all converged). */
  unconvergedFits: number;
}

export interface ProbeResult {
  /** The classes, in the order of class indices (confusion rows and columns). */
  classes: string[];
  classCounts: number[];
  layers: LayerProbe[];
  permutations: number;
  permutationRule: string;
  /** Tested layers whose Holm-adjusted p-value is below the significance level, ascending. */
  layersBeyondChance: number[];
  /** The layer with the highest held-out accuracy (the earliest on ties). */
  bestLayer: number;
  /** The earliest layer whose accuracy is within one standard error of the best layer's. */
  earliestWithinOneSe: number;
  ridgeLambdaPerSample: number;
  settings: ProbeSettings;
}

/** What every layer's probe shares: the classes, the encoded labels, the folds and the permutation count. */
export interface ProbePlan {
  classes: string[];
  classCounts: number[];
  /** Class index of each sample. */
  encoded: Int32Array;
  /** Outer fold of each sample. */
  assignment: Int32Array;
  permutations: number;
  permutationRule: string;
  settings: ProbeSettings;
}

/** A layer's probe before the layers are adjusted together (Holm). */
export type LayerProbeResult = Omit<LayerProbe, 'pValueHolm'>;

// Random streams: each use (and each layer) its own, so results do not depend on what else was computed.
const STREAM_FOLDS = 21;
const STREAM_INNER = 22;
const STREAM_CONTROL = 23;
const STREAM_BOOTSTRAP = 24;
const STREAM_PERMUTATION = 25;

/**
 * The ridge probe's penalty per training sample on standardised features: one unit of prior per sample, fixed
 * before looking at any label, so the permutation test is exact for it.
 */
const RIDGE_LAMBDA_PER_SAMPLE = 1;

function labelText(label: Exclude<ProbeLabel, null>): string {
  return typeof label === 'string' ? label : String(label);
}

/** Class index per sample; classes sorted (numbers numerically, then the rest as text). */
function encodeLabels(labels: readonly ProbeLabel[], sampleIndices: readonly number[]): { classes: string[]; encoded: Int32Array } {
  labels.forEach((label, i) => {
    if (label === null) {
      throw new AnalysisInputError(`Sample ${sampleIndices[i] ?? i} has no label, so the probe cannot use it.`, { sample: i, field: 'labels' });
    }
  });
  const present = labels as Exclude<ProbeLabel, null>[];
  const unique = [...new Map(present.map((label) => [labelText(label), label])).entries()];
  unique.sort(([textA, a], [textB, b]) => (typeof a === 'number' && typeof b === 'number' ? a - b : textA.localeCompare(textB)));
  const classes = unique.map(([text]) => text);
  const index = new Map(classes.map((text, k) => [text, k]));
  return { classes, encoded: Int32Array.from(present, (label) => index.get(labelText(label)) as number) };
}

function checkInput(input: ProbeInput, classes: string[], counts: number[]): void {
  const { settings } = input;
  if (classes.length < 2) {
    throw new AnalysisInputError(`A probe needs at least two classes; every sample is labelled ${classes[0] ?? '(none)'}.`, { field: 'labels' });
  }
  counts.forEach((count, k) => {
    if (count < settings.folds) {
      throw new AnalysisInputError(
        `Class ${classes[k]} has ${count} sample${count === 1 ? '' : 's'}, fewer than the ${settings.folds} cross-validation folds; use fewer folds or more samples.`,
        { field: 'folds' },
      );
    }
  });
  if (input.vectorsByLayer.length !== input.layers.length) {
    throw new AnalysisInputError(`${input.vectorsByLayer.length} layers of vectors for ${input.layers.length} layers.`, { field: 'layers' });
  }
  input.vectorsByLayer.forEach((vectors, k) => {
    if (vectors.length !== input.labels.length) {
      throw new AnalysisInputError(`Layer ${input.layers[k]} has ${vectors.length} vectors for ${input.labels.length} labels.`, { field: 'vectorsByLayer' });
    }
  });
  const grid = settings.cGrid;
  if (grid.length === 0 || grid.some((c, i) => !(c > 0) || (i > 0 && c <= (grid[i - 1] as number)))) {
    throw new AnalysisInputError('The C grid must hold positive values in ascending order.', { field: 'cGrid' });
  }
}

function featureMatrix(vectors: readonly Float32Array[]): FeatureMatrix {
  const columns = vectors[0]?.length ?? 0;
  const values = new Float64Array(vectors.length * columns);
  vectors.forEach((vector, i) => values.set(vector, i * columns));
  return { values, rows: vectors.length, columns };
}

function standardisedSplit(x: FeatureMatrix, train: ArrayLike<number>, test: ArrayLike<number>): { train: FeatureMatrix; test: FeatureMatrix } {
  const trainRows = selectRows(x, train);
  const standardiser = fitStandardiser(trainRows);
  return { train: standardise(trainRows, standardiser), test: standardise(selectRows(x, test), standardiser) };
}

/**
 * A standardised split and where its fits run: with fewer training rows than features, in the reduced basis of the
 * training rows (the same optimum from fewer columns, for every C and labelling fitted on this split).
 */
interface FoldSpace {
  train: FeatureMatrix;
  test: FeatureMatrix;
  basis?: ReducedBasis;
}

function foldSpace(parts: { train: FeatureMatrix; test: FeatureMatrix }, gram?: Float64Array): FoldSpace {
  if (parts.train.rows >= parts.train.columns) return parts;
  return { ...parts, basis: reducedBasis(gram ?? rowGram(parts.train), parts.train.rows) };
}

function pick(labels: Int32Array, rows: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: rows.length }, (_, r) => labels[rows[r] as number] as number);
}

interface FitCounter {
  unconverged: number;
}

/**
 * Choosing C only compares held-out accuracies of the candidates, which settle long before the optimum is reached to
 * machine precision; the probe itself is then fitted to the tight default.
 */
const SELECTION_RELATIVE_TOLERANCE = 1e-5;

/** A fit in the split's space; `model` is in the space's coordinates (for warm starts), `inFeatures` predicts on `test`. */
function fit(
  space: FoldSpace,
  labels: Int32Array,
  classCount: number,
  c: number,
  counter: FitCounter,
  options: { warmStart?: LogisticModel; relativeTolerance?: number } = {},
): { model: LogisticModel; inFeatures: LogisticModel } {
  const model = fitLogisticRegression(space.basis?.train ?? space.train, labels, classCount, { c, ...options });
  if (!model.converged) counter.unconverged += 1;
  return { model, inFeatures: space.basis ? modelInFeatures(space.basis, space.train, model) : model };
}

/** C with the best mean held-out accuracy over inner folds of the training part (the smallest C on ties). */
function chooseC(x: FeatureMatrix, labels: Int32Array, classCount: number, settings: ProbeSettings, rng: SeededRng, counter: FitCounter): number {
  const inner = stratifiedFolds(labels, classCount, settings.innerFolds, rng);
  const correct = new Array<number>(settings.cGrid.length).fill(0);
  for (let fold = 0; fold < settings.innerFolds; fold++) {
    const split = foldSplit(inner, fold);
    const space = foldSpace(standardisedSplit(x, split.train, split.test));
    const trainLabels = pick(labels, split.train);
    const testLabels = pick(labels, split.test);
    let previous: LogisticModel | undefined;
    settings.cGrid.forEach((c, g) => {
      // Ascending C: each fit starts from the previous, more regularised one.
      const fitted = fit(space, trainLabels, classCount, c, counter, { warmStart: previous, relativeTolerance: SELECTION_RELATIVE_TOLERANCE });
      previous = fitted.model;
      const predicted = predictClasses(fitted.inFeatures, space.test);
      for (let i = 0; i < predicted.length; i++) if (predicted[i] === testLabels[i]) correct[g] = (correct[g] as number) + 1;
    });
  }
  let best = 0;
  correct.forEach((count, g) => {
    if (count > (correct[best] as number)) best = g;
  });
  return settings.cGrid[best] as number;
}

function majorityClass(labels: Int32Array, classCount: number): number {
  const counts = new Array<number>(classCount).fill(0);
  for (const label of labels) counts[label] = (counts[label] as number) + 1;
  let best = 0;
  counts.forEach((count, k) => {
    if (count > (counts[best] as number)) best = k;
  });
  return best;
}

function bootstrapIntervals(truth: Int32Array, predicted: Int32Array, classCount: number, settings: ProbeSettings, rng: SeededRng) {
  const accuracy: number[] = [];
  const balanced: number[] = [];
  const f1: number[] = [];
  const n = truth.length;
  const drawnTruth = new Int32Array(n);
  const drawnPredicted = new Int32Array(n);
  for (let b = 0; b < settings.bootstrapResamples; b++) {
    for (let i = 0; i < n; i++) {
      const at = rng.nextInt(n);
      drawnTruth[i] = truth[at] as number;
      drawnPredicted[i] = predicted[at] as number;
    }
    const scores = classificationScores(drawnTruth, drawnPredicted, classCount);
    accuracy.push(scores.accuracy);
    balanced.push(scores.balancedAccuracy);
    f1.push(scores.macroF1);
  }
  const interval = (values: number[]): Interval =>
    values.length === 0 ? { low: Number.NaN, high: Number.NaN } : percentileInterval(values, settings.confidenceLevel);
  return { accuracy: interval(accuracy), balanced: interval(balanced), f1: interval(f1) };
}

/** Relabellings that reach the observed accuracy after which the test stops early (Besag & Clifford 1991). */
const SEQUENTIAL_EXCEEDANCES = 10;

/**
 * Permutation p-value with Besag & Clifford's sequential stopping: relabel until SEQUENTIAL_EXCEEDANCES
 * relabellings score at least the observed accuracy (p = exceedances / relabellings drawn), or until `count`
 * relabellings (p = (1 + exceedances) / (1 + count)). Layers far from significance stop after a few dozen draws.
 */
function permutationPValue(folds: readonly RidgeFold[], labels: Int32Array, classCount: number, observed: number, count: number, rng: SeededRng): number {
  const shuffled = Array.from(labels);
  let atLeast = 0;
  for (let drawn = 1; drawn <= count; drawn++) {
    shuffleInPlace(shuffled, rng);
    // Accuracies are multiples of 1/n: compare with half a step of slack so rounding cannot flip a tie.
    if (ridgeCvAccuracy(folds, shuffled, classCount) >= observed - 0.5 / labels.length) atLeast += 1;
    if (atLeast === SEQUENTIAL_EXCEEDANCES) return atLeast / drawn;
  }
  return (1 + atLeast) / (1 + count);
}

/**
 * Held-out predictions of the logistic probe with a given fold assignment and C per fold, and each fold's accuracy
 * against `labels`. `relabel` replaces a fold's training labels (the control task trains on shuffled ones).
 */
export function heldOutPredictions(
  x: FeatureMatrix,
  labels: Int32Array,
  classCount: number,
  assignment: Int32Array,
  cPerFold: readonly number[],
  relabel: (trainLabels: Int32Array) => Int32Array = (trainLabels) => trainLabels,
): { predicted: Int32Array; foldAccuracies: number[]; unconvergedFits: number } {
  const spaces = cPerFold.map((_, fold) => {
    const split = foldSplit(assignment, fold);
    return { ...split, space: foldSpace(standardisedSplit(x, split.train, split.test)) };
  });
  return predictFolds(spaces, labels, classCount, cPerFold, relabel);
}

interface OuterFold {
  train: Int32Array;
  test: Int32Array;
  space: FoldSpace;
}

function predictFolds(
  folds: readonly OuterFold[],
  labels: Int32Array,
  classCount: number,
  cPerFold: readonly number[],
  relabel: (trainLabels: Int32Array) => Int32Array,
): { predicted: Int32Array; foldAccuracies: number[]; unconvergedFits: number } {
  const predicted = new Int32Array(labels.length);
  const foldAccuracies: number[] = [];
  const counter: FitCounter = { unconverged: 0 };
  folds.forEach(({ train, test, space }, fold) => {
    const { inFeatures } = fit(space, relabel(pick(labels, train)), classCount, cPerFold[fold] as number, counter);
    const foldPredictions = predictClasses(inFeatures, space.test);
    let correct = 0;
    test.forEach((sample, i) => {
      predicted[sample] = foldPredictions[i] as number;
      if (foldPredictions[i] === labels[sample]) correct += 1;
    });
    foldAccuracies.push(correct / test.length);
  });
  return { predicted, foldAccuracies, unconvergedFits: counter.unconverged };
}

/** Probes one layer's vectors (one per sample, in the plan's sample order). */
export function probeLayer(plan: ProbePlan, layer: number, vectors: readonly Float32Array[]): LayerProbeResult {
  const { settings, encoded, assignment, permutations } = plan;
  const classCount = plan.classes.length;
  const x = featureMatrix(vectors);
  const counter: FitCounter = { unconverged: 0 };
  const chosenC: number[] = [];
  const ridgeFolds: RidgeFold[] = [];
  const outerFolds: OuterFold[] = [];
  const majority = new Int32Array(encoded.length);
  for (let fold = 0; fold < settings.folds; fold++) {
    const split = foldSplit(assignment, fold);
    const trainLabels = pick(encoded, split.train);
    chosenC.push(chooseC(selectRows(x, split.train), trainLabels, classCount, settings, createSeededRng(settings.seed, layer, STREAM_INNER, fold), counter));
    const majorityLabel = majorityClass(trainLabels, classCount);
    for (const sample of split.test) majority[sample] = majorityLabel;
    // One standardisation, Gram and basis per fold serve the probe, the control task and the ridge probe.
    const parts = standardisedSplit(x, split.train, split.test);
    const gram = rowGram(parts.train);
    outerFolds.push({ ...split, space: foldSpace(parts, gram) });
    ridgeFolds.push(ridgeFold(split.train, split.test, gram, crossGram(parts.test, parts.train), RIDGE_LAMBDA_PER_SAMPLE * split.train.length));
  }
  const identity = (trainLabels: Int32Array) => trainLabels;
  const probe = predictFolds(outerFolds, encoded, classCount, chosenC, identity);
  const controlRng = createSeededRng(settings.seed, layer, STREAM_CONTROL);
  const controlRun = predictFolds(outerFolds, encoded, classCount, chosenC, (trainLabels) =>
    Int32Array.from(shuffleInPlace(Array.from(trainLabels), controlRng)),
  );
  const control = controlRun.predicted;
  const { predicted, foldAccuracies } = probe;
  counter.unconverged += probe.unconvergedFits + controlRun.unconvergedFits;
  const scores = classificationScores(encoded, predicted, classCount);
  const intervals = bootstrapIntervals(encoded, predicted, classCount, settings, createSeededRng(settings.seed, layer, STREAM_BOOTSTRAP));
  const controlAccuracy = classificationScores(encoded, control, classCount).accuracy;
  const ridgeAccuracy = ridgeCvAccuracy(ridgeFolds, encoded, classCount);
  return {
    layer,
    scores,
    accuracyCi: intervals.accuracy,
    balancedAccuracyCi: intervals.balanced,
    macroF1Ci: intervals.f1,
    foldAccuracies,
    accuracySe: Math.sqrt(sampleVariance(foldAccuracies) / foldAccuracies.length),
    majorityAccuracy: classificationScores(encoded, majority, classCount).accuracy,
    controlAccuracy,
    selectivity: scores.accuracy - controlAccuracy,
    chosenC,
    confusion: confusionMatrix(encoded, predicted, classCount),
    ridgeAccuracy,
    pValue: permutationPValue(ridgeFolds, encoded, classCount, ridgeAccuracy, permutations, createSeededRng(settings.seed, layer, STREAM_PERMUTATION)),
    unconvergedFits: counter.unconverged,
  };
}

/**
 * Per layer, how well a linear probe reads the label from the pooled activations (Alain & Bengio 2016): an
 * L2-regularised logistic regression (multinomial beyond two classes) with features standardised inside each
 * training part and C chosen by nested cross-validation on the training part only, scored on held-out folds of a
 * seeded stratified k-fold split; with bootstrap intervals over the held-out predictions, a majority-class baseline,
 * a control task (Hewitt & Liang 2019) and a permutation p-value per layer, Holm-adjusted over layers.
 */
export function probeLayers(input: ProbeInput): ProbeResult {
  const plan = prepareProbe(input);
  return summariseProbe(
    plan,
    input.layers.map((layer, k) => probeLayer(plan, layer, input.vectorsByLayer[k] as Float32Array[])),
  );
}

/** Checks the input and fixes what all layers share (classes, folds, permutation count). */
export function prepareProbe(input: ProbeInput): ProbePlan {
  const { settings } = input;
  const { classes, encoded } = encodeLabels(input.labels, input.sampleIndices);
  const classCounts = classes.map((_, k) => encoded.filter((label) => label === k).length);
  checkInput(input, classes, classCounts);
  const rule = permutationCountFor(input.layers.length, settings.significanceLevel);
  return {
    classes,
    classCounts,
    encoded,
    assignment: stratifiedFolds(encoded, classes.length, settings.folds, createSeededRng(settings.seed, STREAM_FOLDS)),
    permutations: rule.count,
    permutationRule: `${rule.rule}; sequential: a layer stops after ${SEQUENTIAL_EXCEEDANCES} relabellings reach its accuracy`,
    settings,
  };
}

/** The layers together: Holm-adjusted p-values, the layers beyond chance, the best and the earliest good layer. */
export function summariseProbe(plan: ProbePlan, probed: readonly LayerProbeResult[]): ProbeResult {
  const adjusted = holmAdjust(probed.map((layer) => layer.pValue));
  const layers: LayerProbe[] = probed.map((layer, k) => ({ ...layer, pValueHolm: adjusted[k] as number }));
  let best = layers[0] as LayerProbe;
  for (const layer of layers) if (layer.scores.accuracy > best.scores.accuracy) best = layer;
  const threshold = best.scores.accuracy - best.accuracySe;
  const earliest = layers.find((layer) => layer.scores.accuracy >= threshold) ?? best;
  return {
    classes: plan.classes,
    classCounts: plan.classCounts,
    layers,
    permutations: plan.permutations,
    permutationRule: plan.permutationRule,
    layersBeyondChance: layersBeyondChance(
      layers.map((layer) => layer.layer),
      adjusted,
      plan.settings.significanceLevel,
    ),
    bestLayer: best.layer,
    earliestWithinOneSe: earliest.layer,
    ridgeLambdaPerSample: RIDGE_LAMBDA_PER_SAMPLE,
    settings: plan.settings,
  };
}
