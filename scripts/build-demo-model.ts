/** `npm run demo-model`: generates the random-weight demo decoder into resources/demo-model (or --out DIR). */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { buildDemoModel, DemoModelConfigError } from '../scripts/demo-model/index.js';
import type { DemoLayout, DemoOpset } from '../scripts/demo-model/index.js';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return n;
}

function opset(value: string): DemoOpset {
  if (value === '17' || value === '18') return Number(value) as DemoOpset;
  throw new InvalidArgumentError('the demo model supports opset 17 or 18.');
}

const program = new Command()
  .name('build-demo-model')
  .description('Generate the demo decoder (random weights, for demonstrating and testing the pipeline only).')
  .option('--out <dir>', 'output folder', 'resources/demo-model')
  .option('--layers <n>', 'number of decoder layers', positiveInteger)
  .option('--hidden <n>', 'hidden size', positiveInteger)
  .option('--external-data', 'store the weights in model.onnx.data next to model.onnx', false)
  .option('--opset <n>', 'ONNX opset, 17 or 18', opset, 17 as DemoOpset)
  .addOption(new Option('--layout <layout>', 'export layout to imitate').choices(['optimum', 'genai']).default('optimum'))
  .option('--int4', 'projection weights as int4 MatMulNBits (block 32)', false)
  .option('--split-embeddings', 'write onnx/embed_tokens.onnx + onnx/decoder_model_merged.onnx (inputs_embeds)', false)
  .addOption(new Option('--dtype <dtype>', 'weight and activation type').choices(['float32', 'float16']).default('float32'))
  .parse();

const opts = program.opts<{
  out: string;
  layers?: number;
  hidden?: number;
  externalData: boolean;
  opset: DemoOpset;
  layout: DemoLayout;
  int4: boolean;
  splitEmbeddings: boolean;
  dtype: 'float32' | 'float16';
}>();
const started = Date.now();
try {
  const build = buildDemoModel(resolve(opts.out), {
    ...(opts.layers === undefined ? {} : { numHiddenLayers: opts.layers }),
    ...(opts.hidden === undefined ? {} : { hiddenSize: opts.hidden }),
    externalData: opts.externalData,
    opset: opts.opset,
    layout: opts.layout,
    int4: opts.int4,
    splitEmbeddings: opts.splitEmbeddings,
    dtype: opts.dtype,
  });
  console.log(
    `Demo model written to ${build.dir} in ${Date.now() - started} ms: ${build.config.numHiddenLayers} layers, ` +
      `hidden ${build.config.hiddenSize}, vocab ${build.vocabSize}, opset ${build.opset} (${build.files.join(', ')}).`,
  );
} catch (error) {
  if (error instanceof DemoModelConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
