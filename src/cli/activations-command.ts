import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { openModelHost } from '../model/model-host.js';
import type { Pooling } from '../results/capture-points.js';
import { cliPaths } from './paths.js';

interface ActivationsOptions {
  model: string;
  text?: string;
  textFile?: string;
  pooling: Pooling;
  device: 'auto' | 'cuda' | 'cpu';
  maxInputTokens?: number;
}

class UsageError extends Error {
  override name = 'UsageError';
}

function readPrompts(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--text-file ${file}: ${(error as Error).message}`);
  }
  const prompts = text.split(/\r?\n/).filter((line) => line.trim().length > 0);
  if (prompts.length === 0) throw new UsageError(`--text-file ${file}: the file holds no non-empty line`);
  return prompts;
}

export function registerActivationsCommand(program: Command): void {
  program
    .command('activations')
    .description('Print the pooled residual-stream vector of every decoder layer for a text, as JSON.')
    .requiredOption('--model <dir>', 'model directory (model.onnx, config.json, tokenizer.json, tokenizer_config.json)')
    .option('--text <text>', 'the prompt text')
    .option('--text-file <file>', 'one prompt per line; prints a JSON array, loading the model once')
    .addOption(new Option('--pooling <pooling>', 'how tokens are pooled').choices(['mean', 'last_token']).default('mean'))
    .addOption(new Option('--device <device>', 'execution provider').choices(['auto', 'cuda', 'cpu']).default('auto'))
    .option('--max-input-tokens <n>', 'truncate prompts to this many tokens', (value) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--max-input-tokens must be a positive integer, got ${value}`);
      return n;
    })
    .action(async (options: ActivationsOptions) => {
      if ((options.text === undefined) === (options.textFile === undefined)) {
        throw new UsageError('give exactly one of --text TEXT or --text-file FILE');
      }
      const prompts = options.textFile !== undefined ? readPrompts(options.textFile) : [options.text as string];
      const host = await openModelHost({
        modelDir: path.resolve(options.model),
        hook: 'resid_post',
        layers: null,
        pooling: options.pooling,
        device: options.device,
        cacheDir: cliPaths().cacheDir,
      });
      try {
        process.stderr.write(`activations: ${host.info.numLayers} layers on ${host.info.executionProvider.toUpperCase()}${host.info.executionProviderNote ? ` (${host.info.executionProviderNote})` : ''}\n`);
        const results = [];
        for (const prompt of prompts) {
          const captured = await host.capture(prompt, { maxInputTokens: options.maxInputTokens ?? null });
          results.push({
            layers: host.layers,
            hook_names: host.hookNames,
            pooling: options.pooling,
            tokens: captured.tokenCount,
            truncated: captured.truncated,
            vectors: captured.pooled.map((vector) => Array.from(vector)),
          });
        }
        process.stdout.write(`${JSON.stringify(options.textFile !== undefined ? results : results[0])}\n`);
      } finally {
        await host.dispose();
      }
    });
}
