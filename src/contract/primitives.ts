/** Field types shared by the contract's schemas. */
import { z } from 'zod';

export const name = z.string().trim().min(1, 'must not be empty').max(200);
export const wholeNumber = z.number().int('must be a whole number');
export const finite = z.number().refine(Number.isFinite, 'must be a finite number');
