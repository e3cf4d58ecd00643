/** The benchmark model: the demo decoder shaped like Gemma 3 270M, generated once into .cache/bench-model. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildDemoModel, type DemoModelOptions } from '../../scripts/demo-model/index.js';

/** Gemma 3 270M: 18 layers, hidden 640, 4 heads of 256 sharing 1 KV head, MLP 2048, vocabulary 262144. */
export const GEMMA_SHAPED: DemoModelOptions = {
  numHiddenLayers: 18,
  hiddenSize: 640,
  numAttentionHeads: 4,
  numKeyValueHeads: 1,
  headDim: 256,
  intermediateSize: 2048,
  graphVocabSize: 262144,
  externalData: true,
  opset: 18,
};

/** The model folder, rebuilt only when the options changed (building takes about a minute). */
export function gemmaShapedModel(cacheRoot: string, log: (line: string) => void): string {
  const dir = path.join(cacheRoot, 'bench-model');
  const stamp = path.join(dir, 'bench-options.json');
  const wanted = JSON.stringify(GEMMA_SHAPED);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return dir;
  log(`building the Gemma-3-270M-shaped bench model in ${dir} ...`);
  const started = performance.now();
  buildDemoModel(dir, GEMMA_SHAPED);
  writeFileSync(stamp, wanted);
  log(`  built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}
