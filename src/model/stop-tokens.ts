/**
 * The token ids that end generation: config.json's eos_token_id (a number or a list), generation_config.json's when
 * the folder has one (instruction-tuned Gemma lists <end_of_turn> there), and the tokenizer's eos_token.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readModelJsonFile } from './json-file.js';

const EosSchema = z.object({ eos_token_id: z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]).nullish() }).loose();

function eosIdsOf(value: unknown): number[] {
  const parsed = EosSchema.safeParse(value);
  const eos = parsed.success ? parsed.data.eos_token_id : null;
  if (eos === null || eos === undefined) return [];
  return Array.isArray(eos) ? eos : [eos];
}

/** Every end-of-sequence id the model folder declares, ascending. */
export function stopTokenIds(modelDir: string, configRaw: Record<string, unknown>, tokenizerEos: number | null): number[] {
  const ids = new Set<number>(eosIdsOf(configRaw));
  const textConfig = configRaw['text_config'];
  for (const id of eosIdsOf(textConfig)) ids.add(id);
  const generationConfig = path.join(modelDir, 'generation_config.json');
  if (existsSync(generationConfig)) for (const id of eosIdsOf(readModelJsonFile(generationConfig))) ids.add(id);
  if (tokenizerEos !== null) ids.add(tokenizerEos);
  return [...ids].sort((a, b) => a - b);
}
