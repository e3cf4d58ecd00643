import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { ModelError } from './errors.js';
import { readModelJsonFile } from './json-file.js';

/** Turns prompt text into the token ids the model is fed, special tokens included (BOS for Gemma). */
export interface PromptTokenizer {
  encode(text: string): number[];
  /**
   * The ids fed for at most `maxTokens` tokens (null: no limit), as Hugging Face's
   * `tokenizer(text, truncation=True, max_length=maxTokens)` gives them: the text's own tokens are cut (from the end,
   * or the start with `truncation_side: left`) and the special tokens the tokenizer adds (BOS, an appended EOS) kept.
   */
  encodeTruncated(text: string, maxTokens: number | null): { ids: number[]; truncated: boolean };
  /** The text's own tokens, without the special tokens the post-processor adds. */
  encodeWithoutSpecialTokens(text: string): number[];
  /** Generated ids back to text, special tokens (EOS, BOS, turn markers) left out, as HF's skip_special_tokens=True. */
  decode(ids: readonly number[]): string;
  /** The id of tokenizer_config.json's eos_token, when it names one the vocabulary has. */
  eosTokenId: number | null;
  /**
   * How many tokens the text is fed as (special tokens included), counted only as far as `limit` needs: exact when
   * it is at most `limit`; past it, `exact` is false and `count` an estimate from the part of the text tokenized.
   */
  countTokens(text: string, limit: number): TokenCount;
}

export interface TokenCount {
  count: number;
  exact: boolean;
}

/**
 * Tokens kept beyond those needed when only part of a long text is tokenized: a cut changes the tokens next to it,
 * never this many tokens away, so the tokens kept are those of the whole text.
 */
const WINDOW_MARGIN_TOKENS = 64;
/** The first window's characters per token wanted; generous (English runs about 4), so one window usually does. */
const WINDOW_CHARS_PER_TOKEN = 8;

/** A special token in tokenizer_config.json: a bare string or an AddedToken-like object. */
const SpecialTokenSchema = z.union([z.string(), z.object({ content: z.string() })]).nullable().optional();

const TokenizerConfigSchema = z.object({
  add_bos_token: z.boolean().optional(),
  add_eos_token: z.boolean().optional(),
  bos_token: SpecialTokenSchema,
  eos_token: SpecialTokenSchema,
  truncation_side: z.enum(['left', 'right']).optional(),
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
    const field = tokenizerShape.error.issues[0]?.path.join('.') ?? '';
    throw new ModelError(`${tokenizerPath}: field "${field}" is missing or invalid (it must be a Hugging Face tokenizer.json).`, {
      file: tokenizerPath,
      field,
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
  const side = configParsed.data.truncation_side ?? 'right';
  const encode = (text: string): number[] => tokenizer.encode(text).ids;
  const eosToken = configParsed.data.eos_token;
  const eosText = eosToken === null || eosToken === undefined ? null : typeof eosToken === 'string' ? eosToken : eosToken.content;
  const encodeContent = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false }).ids;
  // The post-processor adds the same special tokens around every text, so they are found once.
  let specials: { prefix: number[]; suffix: number[] } | null = null;
  const specialTokens = () => (specials ??= splitSpecialTokens(encode('a'), encodeContent('a')));

  /**
   * The special tokens around the text and the content tokens of as much of it as `side` keeps, enough for
   * `needed` content tokens. Tokenization time grows faster than the text, so a long text is tokenized through a
   * window at the kept end, doubled until it holds `needed` tokens and a margin; `whole` says the window is the text.
   */
  function encodeWindow(text: string, needed: number): { prefix: number[]; content: number[]; suffix: number[]; whole: boolean; chars: number } {
    const { prefix, suffix } = specialTokens();
    for (let chars = WINDOW_CHARS_PER_TOKEN * (needed + WINDOW_MARGIN_TOKENS); ; chars *= 2) {
      const whole = chars >= text.length;
      const part = whole ? text : windowOf(text, chars, side);
      const content = encodeContent(part);
      if (whole || content.length >= needed + WINDOW_MARGIN_TOKENS) return { prefix, content, suffix, whole, chars: part.length };
    }
  }

  return {
    encode,
    encodeWithoutSpecialTokens: encodeContent,
    decode: (ids) => tokenizer.decode([...ids], { skip_special_tokens: true }),
    eosTokenId: eosText === null ? null : (tokenizer.token_to_id(eosText) ?? null),
    encodeTruncated(text, maxTokens) {
      if (maxTokens === null) return { ids: encode(text), truncated: false };
      const { prefix, content, suffix } = encodeWindow(text, maxTokens + 1);
      if (prefix.length + content.length + suffix.length <= maxTokens) {
        return { ids: [...prefix, ...content, ...suffix], truncated: false };
      }
      const room = maxTokens - prefix.length - suffix.length;
      if (room < 0) {
        throw new ModelError(
          `max_input_tokens = ${maxTokens} leaves no room for the text: the tokenizer adds ${prefix.length + suffix.length} special tokens (BOS/EOS) to every prompt.`,
          { file: tokenizerPath, field: 'max_input_tokens' },
        );
      }
      const kept = side === 'right' ? content.slice(0, room) : content.slice(content.length - room);
      return { ids: [...prefix, ...kept, ...suffix], truncated: true };
    },
    countTokens(text, limit) {
      const window = encodeWindow(text, limit + 1);
      const specials = window.prefix.length + window.suffix.length;
      if (window.whole) return { count: specials + window.content.length, exact: true };
      return { count: specials + Math.round((window.content.length * text.length) / window.chars), exact: false };
    },
  };
}

/** The last `chars` characters (truncation from the left) or the first (from the right), never half a surrogate pair. */
function windowOf(text: string, chars: number, side: 'left' | 'right'): string {
  if (side === 'right') {
    const end = isLowSurrogate(text.charCodeAt(chars)) ? chars - 1 : chars;
    return text.slice(0, end);
  }
  const start = text.length - chars;
  return text.slice(isLowSurrogate(text.charCodeAt(start)) ? start + 1 : start);
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * The special tokens the post-processor put before and after the text's own tokens. `content` is the encoding
 * without special tokens; the post-processor only adds tokens around it (TemplateProcessing and its kin).
 */
function splitSpecialTokens(ids: number[], content: number[]): { prefix: number[]; suffix: number[] } {
  for (let start = 0; start + content.length <= ids.length; start += 1) {
    if (content.every((id, at) => ids[start + at] === id)) {
      return { prefix: ids.slice(0, start), suffix: ids.slice(start + content.length) };
    }
  }
  throw new ModelError('The tokenizer\'s post-processor changes the text\'s own tokens, so the input cannot be truncated as Hugging Face does.');
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
