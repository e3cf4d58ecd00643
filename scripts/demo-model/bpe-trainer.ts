/**
 * A small deterministic byte-pair-encoding trainer. Text is split into SentencePiece-like words (a word keeps
 * its leading '▁'; letters, single digits, punctuation runs and newline runs are separate words), then the most
 * frequent adjacent pair is merged until the vocabulary is full or no pair occurs `minFrequency` times.
 * Ties go to the pair whose parts sort first, so the result never depends on Map iteration order.
 */

export interface BpeTrainingOptions {
  /** Number of new (merged) tokens to learn at most. */
  maxNewTokens: number;
  minFrequency: number;
}

export interface BpeTrainingResult {
  merges: [string, string][];
  /** New tokens in the order the merges created them (a token made twice is listed once). */
  mergedTokens: string[];
}

const WORD_PATTERN = /\n+|▁?[\p{L}\p{M}]+|▁?\p{N}|▁?[^\p{L}\p{M}\p{N}▁\n]+|▁/gu;

export function splitTrainingWords(normalizedText: string): string[] {
  return normalizedText.match(WORD_PATTERN) ?? [];
}

const SEPARATOR = '\u0001';

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Word {
  symbols: string[];
  count: number;
}

export function trainBpe(normalizedText: string, options: BpeTrainingOptions): BpeTrainingResult {
  const wordCounts = new Map<string, number>();
  for (const w of splitTrainingWords(normalizedText)) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
  const words: Word[] = [...wordCounts.keys()]
    .sort(compareCodeUnits)
    .map((w) => ({ symbols: Array.from(w), count: wordCounts.get(w) ?? 0 }));

  const pairCounts = new Map<string, number>();
  const pairWords = new Map<string, Set<number>>();
  const addPairs = (index: number, sign: 1 | -1): void => {
    const word = words[index] as Word;
    for (let i = 0; i + 1 < word.symbols.length; i++) {
      const key = `${word.symbols[i]}${SEPARATOR}${word.symbols[i + 1]}`;
      const count = (pairCounts.get(key) ?? 0) + sign * word.count;
      if (count === 0) {
        pairCounts.delete(key);
        pairWords.delete(key);
      } else {
        pairCounts.set(key, count);
      }
      if (sign === 1) {
        let set = pairWords.get(key);
        if (set === undefined) pairWords.set(key, (set = new Set()));
        set.add(index);
      }
    }
  };
  words.forEach((_, i) => addPairs(i, 1));

  const merges: [string, string][] = [];
  const mergedTokens: string[] = [];
  const known = new Set(words.flatMap((w) => w.symbols));
  while (mergedTokens.length < options.maxNewTokens) {
    let bestKey: string | null = null;
    let bestCount = options.minFrequency - 1;
    for (const [key, count] of pairCounts) {
      if (count > bestCount || (count === bestCount && bestKey !== null && compareCodeUnits(key, bestKey) < 0)) {
        bestKey = key;
        bestCount = count;
      }
    }
    if (bestKey === null) break;
    const [left, right] = bestKey.split(SEPARATOR) as [string, string];
    const merged = left + right;
    merges.push([left, right]);
    if (!known.has(merged)) {
      known.add(merged);
      mergedTokens.push(merged);
    }
    for (const index of [...(pairWords.get(bestKey) ?? [])].sort((a, b) => a - b)) {
      const word = words[index] as Word;
      addPairs(index, -1);
      const next: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (i + 1 < word.symbols.length && word.symbols[i] === left && word.symbols[i + 1] === right) {
          next.push(merged);
          i++;
        } else {
          next.push(word.symbols[i] as string);
        }
      }
      word.symbols = next;
      addPairs(index, 1);
    }
    pairCounts.delete(bestKey);
    pairWords.delete(bestKey);
  }
  return { merges, mergedTokens };
}
