/** Errors as they travel to the UI. */
import { z } from 'zod';
import type { ApiMethod, ApiResponse } from './calls.js';

/** `forbidden`: a path outside what this workbench may read or write (serve's roots, the desktop's chosen files). */
export const ApiErrorCodeSchema = z.enum(['bad_request', 'unknown_method', 'not_found', 'engine_error', 'unauthorized', 'forbidden']);
export type ApiErrorCode = z.infer<typeof ApiErrorCodeSchema>;

export const ApiErrorBodySchema = z
  .object({
    error: z
      .object({
        code: ApiErrorCodeSchema,
        message: z.string(),
        /** Where the problem is: one entry per invalid field, or file/line context from the engine. */
        details: z.array(z.string()),
      })
      .strict(),
  })
  .strict();
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/** The outcome of one call, as the dispatcher and the IPC bridge return it. */
export type ApiOutcome<M extends ApiMethod> =
  | { ok: true; data: ApiResponse<M> }
  | { ok: false; error: ApiErrorBody['error'] };

/** Turns zod issues into one-line, field-qualified messages a researcher can act on. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'request';
    return `${where}: ${issue.message}`;
  });
}
