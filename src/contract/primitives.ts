/** Field types shared by the contract's schemas. */
import { z } from 'zod';

export const name = z.string().trim().min(1, 'must not be empty').max(200);
export const wholeNumber = z.number().int('must be a whole number');
export const finite = z.number().refine(Number.isFinite, 'must be a finite number');
/**
 * A sampling seed sent by the UI. CPython takes any integer (a negative one samples like its absolute value);
 * over JSON only safe integers travel exactly, so larger seeds are set in a config or on the command line.
 */
export const seedInput = z
  .number()
  .refine(
    Number.isSafeInteger,
    'must be a whole number from -9007199254740991 to 9007199254740991; set larger seeds with experiment.seed in a config or on the command line',
  );
/** A stored seed as shown: a number, or its exact decimal digits when it is beyond the safe integers. */
export const seedShown = z.union([wholeNumber, z.string().regex(/^-?\d+$/, 'must be the decimal digits of a whole number')]);
