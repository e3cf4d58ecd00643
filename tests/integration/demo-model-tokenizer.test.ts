import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoModel } from '../../scripts/demo-model/index.js';
import { splitTrainingWords, trainBpe } from '../../scripts/demo-model/bpe-trainer.js';

const scratch = mkdtempSync(join(tmpdir(), 'demo-tokenizer-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let tokenizer: Tokenizer;
let tokenizerJson: { model: { vocab: Record<string, number>; merges: [string, string][] } };
let vocabSize: number;

beforeAll(() => {
  const build = buildDemoModel(join(scratch, 'model'), { numHiddenLayers: 1 });
  vocabSize = build.vocabSize;
  tokenizerJson = JSON.parse(readFileSync(join(build.dir, 'tokenizer.json'), 'utf8'));
  const config = JSON.parse(readFileSync(join(build.dir, 'tokenizer_config.json'), 'utf8'));
  tokenizer = new Tokenizer(tokenizerJson, config);
});

const SAMPLES = {
  clinical:
    'Invasive ductal carcinoma, Nottingham grade 2 (3+2+1). ER positive (Allred 8/8); ' +
    'HER2 equivocal (2+).\n\nImpression: malignant.',
  radiology: 'Findings: patchy consolidation in the right lower lobe with air bronchograms. No pneumothorax.',
  json: '{"diagnosis": "adenocarcinoma", "confidence": 0.82, "findings": ["necrosis", "mitoses"]}',
  cjk: '病理诊断：浸润性导管癌。胸部X線写真で異常なし。흉부 방사선 사진',
  emoji: 'Patient 🧑‍⚕️ reports 😷 and 🫁 pain ✅',
  whitespace: '  leading spaces,\ttabs,\r\nwindows newlines and trailing  ',
  accents: 'Œdème, naïve, façade, Ångström, µm, ±2 °C, ≥ 5 mm',
};

describe('demo tokenizer (Gemma style, loaded by @huggingface/tokenizers)', () => {
  it('has the Gemma special tokens, byte tokens and a vocabulary of about 4000', () => {
    expect(vocabSize).toBe(4000);
    const vocab = tokenizerJson.model.vocab;
    expect(Object.keys(vocab)).toHaveLength(vocabSize);
    expect([vocab['<pad>'], vocab['<eos>'], vocab['<bos>'], vocab['<unk>']]).toEqual([0, 1, 2, 3]);
    expect(tokenizer.token_to_id('<start_of_turn>')).toBeDefined();
    expect(tokenizer.token_to_id('<end_of_turn>')).toBeDefined();
    for (const byte of ['<0x00>', '<0x0A>', '<0xE2>', '<0xFF>']) expect(vocab[byte]).toBeDefined();
    expect(new Set(Object.values(vocab)).size).toBe(vocabSize);
    expect(Math.max(...Object.values(vocab))).toBe(vocabSize - 1);
  });

  it('prepends <bos> exactly once by default and not when special tokens are off', () => {
    const withBos = tokenizer.encode('Benign breast tissue.').ids;
    expect(withBos[0]).toBe(2);
    expect(withBos.filter((id: number) => id === 2)).toHaveLength(1);
    expect(tokenizer.encode('Benign breast tissue.', { add_special_tokens: false }).ids).toEqual(withBos.slice(1));
  });

  it.each(Object.entries(SAMPLES))('round-trips %s text exactly', (_, text) => {
    const ids = tokenizer.encode(text).ids;
    expect(ids.every((id: number) => Number.isInteger(id) && id >= 0 && id < vocabSize)).toBe(true);
    expect(ids).not.toContain(3);
    expect(tokenizer.decode(ids, { skip_special_tokens: true })).toBe(text);
  });

  it('uses byte fallback for characters outside the vocabulary', () => {
    const tokens = tokenizer.encode('癌', { add_special_tokens: false }).tokens;
    expect(tokens).toEqual(['<0xE7>', '<0x99>', '<0x8C>']);
  });

  it('learned clinical words: common terms are single tokens and text compresses well', () => {
    for (const word of ['▁carcinoma', '▁radiograph', '▁malignant', '▁diagnosis']) {
      expect(tokenizer.token_to_id(word), word).toBeDefined();
    }
    const text = SAMPLES.radiology;
    const count = tokenizer.encode(text, { add_special_tokens: false }).ids.length;
    expect(count / text.length).toBeLessThan(0.3);
  });

  it('keeps special-token text as the special token', () => {
    const encoded = tokenizer.encode('<start_of_turn>user\nHello<end_of_turn>', { add_special_tokens: false });
    expect(encoded.tokens[0]).toBe('<start_of_turn>');
    expect(encoded.tokens.at(-1)).toBe('<end_of_turn>');
  });
});

describe('BPE trainer', () => {
  it('splits words the SentencePiece way: leading ▁, single digits, punctuation runs, newline runs', () => {
    expect(splitTrainingWords('▁Ki-67▁index:▁20%\n\nDone')).toEqual([
      '▁Ki',
      '-',
      '6',
      '7',
      '▁index',
      ':',
      '▁2',
      '0',
      '%',
      '\n\n',
      'Done',
    ]);
  });

  it('merges the most frequent pair first and breaks ties by code-unit order (hand-worked example)', () => {
    // Words: "▁ab" x3, "▁abc" x1. Pairs: (▁,a)=4, (a,b)=4, (b,c)=1; 'a' sorts before '▁', so a+b wins the tie.
    const text = '▁ab▁ab▁ab▁abc';
    expect(trainBpe(text, { maxNewTokens: 10, minFrequency: 1 })).toEqual({
      merges: [
        ['a', 'b'],
        ['▁', 'ab'],
        ['▁ab', 'c'],
      ],
      mergedTokens: ['ab', '▁ab', '▁abc'],
    });
    expect(trainBpe(text, { maxNewTokens: 10, minFrequency: 2 }).mergedTokens).toEqual(['ab', '▁ab']);
    expect(trainBpe(text, { maxNewTokens: 1, minFrequency: 1 }).mergedTokens).toEqual(['ab']);
  });
});
