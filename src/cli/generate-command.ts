import path from 'node:path';
import { type Command, Option } from 'commander';
import { openModelHost } from '../model/model-host.js';
import { cliPaths } from './paths.js';

interface GenerateOptions {
  model: string;
  text: string;
  maxNewTokens: number;
  device: 'auto' | 'cuda' | 'cpu';
  json: boolean;
}

class UsageError extends Error {
  override name = 'UsageError';
}

function positiveInteger(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got ${value}`);
    return n;
  };
}

/** `cotlab-wb generate --model DIR --text TEXT`: the model's greedy completion of a text, and its token count. */
export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('Print the greedy completion of a text (KV-cached decoding, stopping at EOS or --max-new-tokens) and how many tokens it has.')
    .requiredOption('--model <dir>', 'model directory (model.onnx, config.json, tokenizer.json, tokenizer_config.json)')
    .requiredOption('--text <text>', 'the prompt text')
    .option('--max-new-tokens <n>', 'tokens generated at most', positiveInteger('--max-new-tokens'), 64)
    .addOption(new Option('--device <device>', 'execution provider').choices(['auto', 'cuda', 'cpu']).default('auto'))
    .option('--json', 'print {"text", "tokens", "token_ids", "prompt_tokens", "stop_reason"} as JSON', false)
    .action(async (options: GenerateOptions) => {
      const host = await openModelHost({
        modelDir: path.resolve(options.model),
        hook: 'resid_post',
        layers: [],
        pooling: 'last_token',
        device: options.device,
        cacheDir: cliPaths().cacheDir,
        generation: true,
      });
      try {
        const { capabilities } = host.info;
        process.stderr.write(`generate: ${host.info.executionProvider.toUpperCase()}${capabilities.kvCache ? ', KV cache' : ', no KV cache (recomputing every token)'}\n`);
        const [result] = await host.generate([{ text: options.text }], {
          maxInputTokens: null,
          maxNewTokens: options.maxNewTokens,
          sampling: null,
          stopStrings: [],
        });
        if (!result) return;
        if (options.json) {
          const record = { text: result.text, tokens: result.tokenIds.length, token_ids: result.tokenIds, prompt_tokens: result.tokenCount, stop_reason: result.stopReason };
          process.stdout.write(`${JSON.stringify(record)}\n`);
        } else {
          process.stdout.write(`${result.text}\n`);
          process.stdout.write(`[${result.tokenIds.length} tokens generated; prompt ${result.tokenCount} tokens; stopped by ${result.stopReason.replaceAll('_', ' ')}]\n`);
        }
      } finally {
        await host.dispose();
      }
    });
}
