/** Picking the next token from a row of logits: greedy (argmax), or temperature / top-p (nucleus) sampling. */
import { ModelError } from './errors.js';

/** Temperature and nucleus sampling settings; greedy decoding has none. */
export interface SamplingSettings {
  /** Logits are divided by this before the softmax; > 0. */
  temperature: number;
  /** Only the most probable tokens whose probabilities add up to at least this are kept; (0, 1]. */
  topP: number;
}

/** The first index of the largest value (torch.argmax's choice on ties). */
export function argmax(values: Float32Array, start = 0, length = values.length - start): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let at = 0; at < length; at++) {
    const value = values[start + at] as number;
    if (value > bestValue) {
      bestValue = value;
      best = at;
    }
  }
  return best;
}

export function checkSamplingSettings(settings: SamplingSettings): void {
  if (!(settings.temperature > 0) || !Number.isFinite(settings.temperature)) {
    throw new ModelError(`Sampling temperature ${settings.temperature} must be a positive number.`, { field: 'temperature' });
  }
  if (!(settings.topP > 0 && settings.topP <= 1)) {
    throw new ModelError(`top_p ${settings.topP} must be in (0, 1].`, { field: 'top_p' });
  }
}

/**
 * A token drawn from softmax(logits / temperature), restricted to the smallest set of most probable tokens whose
 * probability reaches topP (at least one token), with `uniform` a draw from [0, 1).
 */
export function sampleToken(
  values: Float32Array,
  start: number,
  length: number,
  settings: SamplingSettings,
  uniform: number,
): number {
  let max = -Infinity;
  for (let at = 0; at < length; at++) max = Math.max(max, values[start + at] as number);
  const weights = new Float64Array(length);
  let total = 0;
  for (let at = 0; at < length; at++) {
    const weight = Math.exp(((values[start + at] as number) - max) / settings.temperature);
    weights[at] = weight;
    total += weight;
  }
  let candidates: number[];
  if (settings.topP >= 1) {
    candidates = Array.from({ length }, (_, at) => at);
  } else {
    // Most probable first; equal weights keep the lower id first, so the kept set is deterministic.
    const order = Array.from({ length }, (_, at) => at).sort((a, b) => (weights[b] as number) - (weights[a] as number) || a - b);
    candidates = [];
    let kept = 0;
    for (const token of order) {
      candidates.push(token);
      kept += weights[token] as number;
      if (kept >= settings.topP * total) break;
    }
  }
  const keptTotal = candidates.reduce((sum, token) => sum + (weights[token] as number), 0);
  let threshold = uniform * keptTotal;
  for (const token of candidates) {
    threshold -= weights[token] as number;
    if (threshold < 0) return token;
  }
  return candidates[candidates.length - 1] as number;
}
