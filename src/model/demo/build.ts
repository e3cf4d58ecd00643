/** Writes the complete demo model folder: graph, weights, config.json, tokenizer files and README.md. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeModel } from '../onnx-graph.js';
import type { DemoModelConfig } from './config.js';
import { hfConfigJson, resolveDemoConfig } from './config.js';
import { externalizeInitializers } from './external-data.js';
import type { DemoOpset } from './gemma3-graph.js';
import { buildGemma3Model } from './gemma3-graph.js';
import { demoModelReadme } from './readme.js';
import { buildDemoTokenizer, specialTokenIds } from './tokenizer-files.js';
import { generateDemoWeights } from './weights.js';

export const DEMO_MODEL_FILE = 'model.onnx';
export const DEMO_DATA_FILE = 'model.onnx.data';

export interface DemoModelOptions extends Partial<DemoModelConfig> {
  /** Store the large weights in model.onnx.data next to model.onnx (default false). */
  externalData?: boolean;
  /** ONNX opset: 17 (ReduceMean axes attribute, default) or 18 (axes input). */
  opset?: DemoOpset;
}

export interface DemoModelBuild {
  dir: string;
  /** Names of the files written, relative to dir. */
  files: string[];
  config: DemoModelConfig;
  vocabSize: number;
  opset: DemoOpset;
}

function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function buildDemoModel(outDir: string, options: DemoModelOptions = {}): DemoModelBuild {
  const { externalData = false, opset = 17, ...overrides } = options;
  const config = resolveDemoConfig(overrides);
  const tokenizer = buildDemoTokenizer();
  const weights = generateDemoWeights(config, tokenizer.vocabSize);
  const model = buildGemma3Model(config, weights, tokenizer.vocabSize, {
    opset,
    description: 'CoTLab Workbench demo decoder (Gemma 3 style) with seeded random weights; not clinically meaningful.',
  });

  mkdirSync(outDir, { recursive: true });
  const files: string[] = [DEMO_MODEL_FILE];
  if (externalData) {
    writeFileSync(join(outDir, DEMO_DATA_FILE), externalizeInitializers(model, DEMO_DATA_FILE));
    files.push(DEMO_DATA_FILE);
  } else {
    // A data file left by an earlier external-data build would otherwise look like part of this model.
    rmSync(join(outDir, DEMO_DATA_FILE), { force: true });
  }
  writeFileSync(join(outDir, DEMO_MODEL_FILE), encodeModel(model));
  const textFiles: [string, string][] = [
    ['config.json', jsonText(hfConfigJson(config, tokenizer.vocabSize, specialTokenIds))],
    ['tokenizer.json', jsonText(tokenizer.tokenizerJson)],
    ['tokenizer_config.json', jsonText(tokenizer.tokenizerConfigJson)],
  ];
  files.push(...textFiles.map(([name]) => name), 'README.md');
  textFiles.push(['README.md', demoModelReadme(config, tokenizer.vocabSize, files)]);
  for (const [name, text] of textFiles) writeFileSync(join(outDir, name), text);
  return { dir: outDir, files, config, vocabSize: tokenizer.vocabSize, opset };
}
