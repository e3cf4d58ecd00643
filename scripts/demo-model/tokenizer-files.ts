/**
 * A Gemma-style Hugging Face tokenizer (tokenizer.json + tokenizer_config.json): BPE over text whose spaces are
 * replaced by '▁', byte fallback (<0x00>..<0xFF>) so any Unicode text encodes, and a <bos> prepended on encode.
 */
import { trainBpe } from './bpe-trainer.js';
import { CLINICAL_CORPUS } from './corpus.js';

export const SPACE_MARKER = '▁';

/** Special tokens in id order; ids 0..3 match Gemma's <pad>, <eos>, <bos>, <unk>. */
export const SPECIAL_TOKENS = ['<pad>', '<eos>', '<bos>', '<unk>', '<start_of_turn>', '<end_of_turn>'] as const;

export const specialTokenIds = { pad: 0, eos: 1, bos: 2, unk: 3 } as const;

export const DEFAULT_VOCAB_SIZE = 4000;

/** Always in the base vocabulary, so plain ASCII never needs byte fallback even if the corpus lacks a character. */
const BASE_CHARACTERS = [
  '\t',
  '\n',
  ...Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i)),
  SPACE_MARKER,
];

export interface DemoTokenizerFiles {
  tokenizerJson: object;
  tokenizerConfigJson: object;
  vocabSize: number;
}

function byteToken(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
}

export function buildDemoTokenizer(vocabSize = DEFAULT_VOCAB_SIZE): DemoTokenizerFiles {
  const vocab = new Map<string, number>();
  const add = (token: string): void => {
    if (!vocab.has(token)) vocab.set(token, vocab.size);
  };
  SPECIAL_TOKENS.forEach(add);
  for (let b = 0; b < 256; b++) add(byteToken(b));
  const normalized = CLINICAL_CORPUS.replaceAll(' ', SPACE_MARKER);
  const alphabet = [...new Set([...BASE_CHARACTERS, ...Array.from(normalized)])];
  alphabet.sort((a, b) => (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0)).forEach(add);
  const { merges, mergedTokens } = trainBpe(normalized, { maxNewTokens: vocabSize - vocab.size, minFrequency: 1 });
  mergedTokens.forEach(add);
  return {
    vocabSize: vocab.size,
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: SPECIAL_TOKENS.map((content, id) => ({
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: { type: 'Replace', pattern: { String: ' ' }, content: SPACE_MARKER },
      pre_tokenizer: null,
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<bos>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [
          { SpecialToken: { id: '<bos>', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '<bos>', type_id: 1 } },
          { Sequence: { id: 'B', type_id: 1 } },
        ],
        special_tokens: { '<bos>': { id: '<bos>', ids: [specialTokenIds.bos], tokens: ['<bos>'] } },
      },
      decoder: {
        type: 'Sequence',
        decoders: [
          { type: 'Replace', pattern: { String: SPACE_MARKER }, content: ' ' },
          { type: 'ByteFallback' },
          { type: 'Fuse' },
        ],
      },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: '<unk>',
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: true,
        byte_fallback: true,
        ignore_merges: false,
        vocab: Object.fromEntries(vocab),
        merges,
      },
    },
    tokenizerConfigJson: {
      tokenizer_class: 'GemmaTokenizer',
      add_bos_token: true,
      add_eos_token: false,
      bos_token: '<bos>',
      eos_token: '<eos>',
      pad_token: '<pad>',
      unk_token: '<unk>',
      additional_special_tokens: ['<start_of_turn>', '<end_of_turn>'],
      model_max_length: 4096,
      padding_side: 'right',
      clean_up_tokenization_spaces: false,
      spaces_between_special_tokens: false,
      added_tokens_decoder: Object.fromEntries(
        SPECIAL_TOKENS.map((content, id) => [
          String(id),
          { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true },
        ]),
      ),
    },
  };
}
