import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { ModelError } from './errors.js';
import { readModelJsonFile } from './json-file.js';

/** Turns prompt text into the token ids the model is fed, special tokens included (BOS for Gemma). */
export interface PromptTokenizer {
  encode(text: string): number[];
}

/** A special token in tokenizer_config.json: a bare string or an AddedToken-like object. */
const SpecialTokenSchema = z.union([z.string(), z.object({ content: z.string() })]).nullable().optional();

const TokenizerConfigSchema = z.object({
  add_bos_token: z.boolean().optional(),
  add_eos_token: z.boolean().optional(),
  bos_token: SpecialTokenSchema,
  eos_token: SpecialTokenSchema,
});

const TokenizerJsonSchema = z.object({ added_tokens: z.array(z.unknown()), model: z.object({}).loose() }).loose();

type TemplateItem =
  | { SpecialToken: { id: string; type_id: number } }
  | { Sequence: { id: 'A' | 'B'; type_id: number } };

/**
 * Load tokenizer.json + tokenizer_config.json the way HF transformers does for encode(text) with default
 * arguments: special tokens are added by the post-processor. Like HF's Llama/Gemma fast tokenizers, explicit
 * `add_bos_token` / `add_eos_token` flags in tokenizer_config.json rebuild that post-processor.
 */
export function loadPromptTokenizer(tokenizerPath: string, tokenizerConfigPath: string): PromptTokenizer {
  const tokenizerJson = readModelJsonFile(tokenizerPath);
  const tokenizerShape = TokenizerJsonSchema.safeParse(tokenizerJson);
  if (!tokenizerShape.success) {
    throw new ModelError(`${tokenizerPath} is not a Hugging Face tokenizer.json (no model or added_tokens).`, {
      file: tokenizerPath,
    });
  }
  const rawConfig = readModelJsonFile(tokenizerConfigPath);
  const configParsed = TokenizerConfigSchema.safeParse(rawConfig);
  if (!configParsed.success) {
    const field = configParsed.error.issues[0]?.path.join('.') ?? '';
    throw new ModelError(`${tokenizerConfigPath}: field "${field}" is invalid.`, { file: tokenizerConfigPath, field });
  }
  const postProcessor = flagTemplate(configParsed.data, tokenizerConfigPath) ?? tokenizerShape.data['post_processor'];
  let tokenizer: Tokenizer;
  try {
    // The library reads more config keys than we validate (remove_space, additional_special_tokens, ...).
    tokenizer = new Tokenizer({ ...tokenizerShape.data, post_processor: postProcessor ?? null }, rawConfig as object);
  } catch (err) {
    throw new ModelError(
      `Cannot load the tokenizer in ${tokenizerPath}: ${(err as Error).message}`,
      { file: tokenizerPath },
      { cause: err },
    );
  }
  return { encode: (text: string) => tokenizer.encode(text).ids };
}

/** Keep the first `maxTokens` ids (so BOS and the start of the prompt survive), as CoTLab's truncation does. */
export function truncateTokenIds(ids: number[], maxTokens: number | null): { ids: number[]; truncated: boolean } {
  if (maxTokens === null || ids.length <= maxTokens) return { ids, truncated: false };
  return { ids: ids.slice(0, maxTokens), truncated: true };
}

function flagTemplate(config: z.infer<typeof TokenizerConfigSchema>, configPath: string): object | null {
  if (config.add_bos_token === undefined && config.add_eos_token === undefined) return null;
  const bos = config.add_bos_token ? specialTokenText(config.bos_token, 'bos_token', configPath) : null;
  const eos = config.add_eos_token ? specialTokenText(config.eos_token, 'eos_token', configPath) : null;
  const around = (sequence: 'A' | 'B', typeId: number): TemplateItem[] => [
    ...(bos ? [{ SpecialToken: { id: bos, type_id: typeId } }] : []),
    { Sequence: { id: sequence, type_id: typeId } },
    ...(eos ? [{ SpecialToken: { id: eos, type_id: typeId } }] : []),
  ];
  return { type: 'TemplateProcessing', single: around('A', 0), pair: [...around('A', 0), ...around('B', 1)] };
}

function specialTokenText(token: z.infer<typeof SpecialTokenSchema>, field: string, configPath: string): string {
  if (token === null || token === undefined) {
    throw new ModelError(`${configPath} asks to add ${field} but does not define it.`, { file: configPath, field });
  }
  return typeof token === 'string' ? token : token.content;
}
