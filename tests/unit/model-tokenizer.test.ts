import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/model/errors.js';
import { loadPromptTokenizer } from '../../src/model/tokenizer.js';

const fixture = path.resolve('tests/fixtures/model/bpe-tokenizer');
const tokenizerJson = path.join(fixture, 'tokenizer.json');
const tokenizerConfig = path.join(fixture, 'tokenizer_config.json');
const scratch = mkdtempSync(path.join(tmpdir(), 'model-tokenizer-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Fixture vocabulary: <pad>=0 <eos>=1 <bos>=2 <unk>=3, the=31, femur=37, of=32, no=33.
function configWith(fields: object): string {
  const file = path.join(scratch, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ bos_token: '<bos>', eos_token: { content: '<eos>' }, ...fields }));
  return file;
}

describe('loadPromptTokenizer', () => {
  it('adds BOS through the tokenizer.json post-processor, as HF encode() does by default', () => {
    const tokenizer = loadPromptTokenizer(tokenizerJson, tokenizerConfig);
    expect(tokenizer.encode('the femur of no')).toEqual([2, 31, 37, 32, 33]);
  });

  it('maps unknown characters to <unk> and keeps special tokens written in the text', () => {
    const tokenizer = loadPromptTokenizer(tokenizerJson, tokenizerConfig);
    expect(tokenizer.encode('no X')).toEqual([2, 33, 3]);
    expect(tokenizer.encode('<eos> the')).toEqual([2, 1, 31]);
  });

  it('honours explicit add_bos_token / add_eos_token flags like the Llama/Gemma fast tokenizers', () => {
    expect(loadPromptTokenizer(tokenizerJson, configWith({ add_bos_token: false })).encode('the of')).toEqual([31, 32]);
    expect(
      loadPromptTokenizer(tokenizerJson, configWith({ add_bos_token: true, add_eos_token: true })).encode('the of'),
    ).toEqual([2, 31, 32, 1]);
  });

  it('hands the library the whole tokenizer_config.json, not only the fields validated here', () => {
    const lowercasing = configWith({ do_lowercase_and_remove_accent: true });
    expect(loadPromptTokenizer(tokenizerJson, lowercasing).encode('THE FEMUR')).toEqual([2, 31, 37]);
  });

  it('rejects a flag that asks for a token the config does not define', () => {
    const file = path.join(scratch, 'no-eos.json');
    writeFileSync(file, JSON.stringify({ add_eos_token: true }));
    expect(() => loadPromptTokenizer(tokenizerJson, file)).toThrow(/asks to add eos_token but does not define it/);
  });

  it('names the file when tokenizer.json is not JSON', () => {
    const broken = path.join(scratch, 'tokenizer.json');
    writeFileSync(broken, '{ not json');
    try {
      loadPromptTokenizer(broken, tokenizerConfig);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ModelError);
      expect((err as ModelError).context.file).toBe(broken);
    }
  });
});

/**
 * Truncation matches Hugging Face's `tokenizer(text, truncation=True, max_length=N)`: the content is cut to
 * N minus the special tokens the post-processor adds, then BOS/EOS are added around it, so an appended EOS survives.
 */
describe('encodeTruncated', () => {
  const eosFixture = path.resolve('tests/fixtures/model/eos-tokenizer');

  it('keeps the first tokens after BOS and reports the cut (a tokenizer that adds only BOS)', () => {
    const tokenizer = loadPromptTokenizer(tokenizerJson, tokenizerConfig);
    expect(tokenizer.encodeTruncated('the femur of no', 3)).toEqual({ ids: [2, 31, 37], truncated: true });
    expect(tokenizer.encodeTruncated('the femur', 3)).toEqual({ ids: [2, 31, 37], truncated: false });
    expect(tokenizer.encodeTruncated('the femur of no', null)).toEqual({ ids: [2, 31, 37, 32, 33], truncated: false });
  });

  it('keeps the EOS a tokenizer.json post-processor appends, cutting the content instead', () => {
    const tokenizer = loadPromptTokenizer(path.join(eosFixture, 'tokenizer.json'), path.join(eosFixture, 'tokenizer_config.json'));
    expect(tokenizer.encode('the femur of no')).toEqual([2, 31, 37, 32, 33, 1]);
    expect(tokenizer.encodeTruncated('the femur of no', 4)).toEqual({ ids: [2, 31, 37, 1], truncated: true });
    expect(tokenizer.encodeTruncated('the femur of no', 2)).toEqual({ ids: [2, 1], truncated: true });
    expect(tokenizer.encodeTruncated('the femur of no', 6)).toEqual({ ids: [2, 31, 37, 32, 33, 1], truncated: false });
  });

  it('keeps the EOS that add_eos_token appends, and a special token written in the text is content', () => {
    const tokenizer = loadPromptTokenizer(tokenizerJson, configWith({ add_bos_token: true, add_eos_token: true }));
    expect(tokenizer.encodeTruncated('the of no', 3)).toEqual({ ids: [2, 31, 1], truncated: true });
    expect(tokenizer.encodeTruncated('<eos> the of', 3)).toEqual({ ids: [2, 1, 1], truncated: true });
  });

  it('cuts from the left when tokenizer_config.json says truncation_side: left', () => {
    const tokenizer = loadPromptTokenizer(path.join(eosFixture, 'tokenizer.json'), configWith({ truncation_side: 'left' }));
    expect(tokenizer.encodeTruncated('the femur of no', 4)).toEqual({ ids: [2, 32, 33, 1], truncated: true });
  });

  it('refuses a limit that leaves no room beside the special tokens', () => {
    const tokenizer = loadPromptTokenizer(path.join(eosFixture, 'tokenizer.json'), path.join(eosFixture, 'tokenizer_config.json'));
    expect(() => tokenizer.encodeTruncated('the femur of no', 1)).toThrow(
      'max_input_tokens = 1 leaves no room for the text: the tokenizer adds 2 special tokens (BOS/EOS) to every prompt.',
    );
  });
});
