import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPromptTokenizer, type PromptTokenizer } from '../../src/model/tokenizer.js';
import { repoRoot } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** The demo model's Gemma-style tokenizer: no pre-tokenizer, so a whole text is one BPE word, as in Gemma 3. */
const demo = path.join(repoRoot, 'resources', 'demo-model');
const temp = makeTempDir('tokenizer-long-text');
afterAll(() => temp.remove());

function demoTokenizer(config: object | null = null): PromptTokenizer {
  let configPath = path.join(demo, 'tokenizer_config.json');
  if (config !== null) {
    configPath = temp.path(`config-${Object.keys(config).join('-')}.json`);
    writeFileSync(configPath, JSON.stringify(config));
  }
  return loadPromptTokenizer(path.join(demo, 'tokenizer.json'), configPath);
}

/** Clinical text with varied words, numbers, punctuation, line breaks and non-Latin characters. */
function clinicalText(chars: number): string {
  const pieces = [
    'Invasive ductal carcinoma, Nottingham grade 2 (3+2+1). ',
    'ER positive (Allred 8/8); HER2 equivocal (2+).\n\n',
    'Margins ≥ 2 mm, Œdème péri-lésionnel, µm-scale foci; ',
    'No lymphovascular invasion identified.   ',
    '病理诊断：浸润性导管癌。',
    'Impression: malignant. Recommend MDT review 🩺.\n',
  ];
  let text = '';
  for (let at = 0; text.length < chars; at += 1) text += `${pieces[at % pieces.length]}${at} `;
  return text.slice(0, chars);
}

/** Hugging Face's truncation computed the long way: the whole text tokenized, then cut. */
function truncatedTheLongWay(tokenizer: PromptTokenizer, text: string, maxTokens: number, side: 'left' | 'right'): number[] {
  const ids = tokenizer.encode(text);
  if (ids.length <= maxTokens) return ids;
  const [bos, ...content] = ids;
  const room = maxTokens - 1;
  return [bos as number, ...(side === 'right' ? content.slice(0, room) : content.slice(content.length - room))];
}

describe('long texts are tokenized only as far as a limit needs', () => {
  it('truncates exactly as tokenizing the whole text would, from either side', () => {
    const text = clinicalText(30_000);
    for (const side of ['right', 'left'] as const) {
      const tokenizer = side === 'right' ? demoTokenizer() : demoTokenizer({ bos_token: '<bos>', truncation_side: 'left' });
      for (const maxTokens of [1, 2, 17, 300, 1000]) {
        const fast = tokenizer.encodeTruncated(text, maxTokens);
        expect(fast, `${side} ${maxTokens}`).toEqual({ ids: truncatedTheLongWay(tokenizer, text, maxTokens, side), truncated: true });
      }
    }
  });

  it('counts exactly up to the limit and estimates beyond it', () => {
    const tokenizer = demoTokenizer();
    const text = clinicalText(20_000);
    const exact = tokenizer.encode(text).length;
    expect(tokenizer.countTokens(text, exact)).toEqual({ count: exact, exact: true });
    expect(tokenizer.countTokens(text, exact + 100)).toEqual({ count: exact, exact: true });
    const estimate = tokenizer.countTokens(text, 200);
    expect(estimate.exact).toBe(false);
    expect(estimate.count).toBeGreaterThan(200);
    expect(Math.abs(estimate.count - exact) / exact).toBeLessThan(0.15);
  });

  it('truncates and counts a 10 MB field without tokenizing all of it', () => {
    // Tokenizing all of it takes minutes (the tokenizer's time grows faster than the text).
    const tokenizer = demoTokenizer();
    const huge = clinicalText(10 * 1024 * 1024);
    const truncated = tokenizer.encodeTruncated(huge, 512);
    expect(truncated.truncated).toBe(true);
    expect(truncated.ids).toEqual(tokenizer.encode(huge.slice(0, 20_000)).slice(0, 512));
    const counted = tokenizer.countTokens(huge, 4096);
    expect(counted.exact).toBe(false);
    expect(counted.count).toBeGreaterThan(1_000_000);
  });
});
