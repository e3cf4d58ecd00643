import type { z } from 'zod';
import { ConfigValidationError, type ConfigIssue } from './errors.js';
import type { ParsedOverride } from './overrides.js';
import { RootConfigSchema, type WorkbenchConfig } from './schemas.js';
import { didYouMean } from './suggest.js';
import { dottedPath, isMapping } from './tree.js';

type Issue = z.core.$ZodIssue;
type IssuePath = readonly PropertyKey[];

/** Where the values of a composed config came from, to point each schema issue at its source. */
export interface ConfigOrigin {
  /** Value overrides in the order they were applied. */
  overrides: readonly ParsedOverride[];
  /** The file a key's value came from when no override set it. */
  fileFor(path: readonly string[]): string | null;
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

function nodeAt(root: unknown, path: IssuePath): unknown {
  let node = root;
  for (const key of path) {
    node = isMapping(node) || Array.isArray(node) ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return node;
}

/** A union that failed every branch: keep the branch that got furthest (the one whose shape matched). */
function unionBranch(issue: Issue & { code: 'invalid_union' }): Issue[] | null {
  const plausible = issue.errors.filter(
    (branch) => !branch.every((inner) => inner.path.length === 0 && inner.code === 'invalid_type'),
  );
  return plausible.length === 1 ? (plausible[0] ?? null) : null;
}

/** Zod issues as (path, message) pairs a researcher can act on. */
function flatten(issues: readonly Issue[], raw: unknown, prefix: IssuePath = []): { path: string[]; message: string }[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union') {
      const branch = unionBranch(issue);
      if (branch) return flatten(branch, raw, path);
    }
    if (issue.code === 'unrecognized_keys') {
      const node = nodeAt(raw, path);
      const known = isMapping(node) ? Object.keys(node).filter((key) => !issue.keys.includes(key)) : [];
      return issue.keys.map((key) => ({ path: [...path, key].map(String), message: `unknown key${didYouMean(key, known)}` }));
    }
    return [{ path: path.map(String), message: issue.message }];
  });
}

/** Validates a composed config; every schema issue is reported with its dotted path and its source. */
export function validateResolvedConfig(raw: unknown, origin: ConfigOrigin): WorkbenchConfig {
  const result = RootConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = flatten(result.error.issues, raw).map(({ path, message }): ConfigIssue => {
    const override = origin.overrides.findLast(
      (candidate) => isPrefix(candidate.segments, path) || (path.length > 0 && isPrefix(path, candidate.segments)),
    );
    return {
      path: dottedPath(path),
      message,
      override: override?.text ?? null,
      file: override ? null : origin.fileFor(path),
    };
  });
  throw new ConfigValidationError(issues);
}
