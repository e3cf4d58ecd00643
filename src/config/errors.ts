/** Where a configuration problem was found, so messages can point the researcher at the right spot. */
export interface ConfigErrorContext {
  /** Dotted key path inside the resolved config, e.g. `experiment.variants.1.seed`. */
  path?: string | null;
  /** The command-line override that caused the problem, e.g. `experiment.poolin=mean`. */
  override?: string | null;
  /** The config file the problem comes from. */
  file?: string | null;
  /** 1-based line in `file`, when known. */
  line?: number | null;
}

function describe(detail: string, context: ConfigErrorContext): string {
  const where = context.path ? `${context.path}: ${detail}` : detail;
  if (context.override) return `${where} (override '${context.override}')`;
  if (context.file) return `${where} (${context.file}${context.line ? `:${context.line}` : ''})`;
  return where;
}

/** A configuration problem: a bad YAML file, a bad override, or a value that breaks the schema. */
export class ConfigError extends Error {
  readonly path: string | null;
  readonly override: string | null;
  readonly file: string | null;
  readonly line: number | null;
  /** The problem without the location, e.g. `unknown key; did you mean pooling?`. */
  readonly detail: string;

  constructor(detail: string, context: ConfigErrorContext = {}) {
    super(describe(detail, context));
    this.name = 'ConfigError';
    this.detail = detail;
    this.path = context.path ?? null;
    this.override = context.override ?? null;
    this.file = context.file ?? null;
    this.line = context.line ?? null;
  }
}

/** One schema violation of a composed config. */
export interface ConfigIssue {
  path: string;
  message: string;
  override: string | null;
  file: string | null;
}

/** A composed config that does not satisfy the schema; `issues` lists every violation. */
export class ConfigValidationError extends ConfigError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const first = issues[0];
    super(first?.message ?? 'invalid config', {
      path: first?.path ?? null,
      override: first?.override ?? null,
      file: first?.file ?? null,
    });
    this.name = 'ConfigValidationError';
    this.issues = issues;
    // Every issue on one line, so a researcher fixes them all in one go.
    this.message = issues.map((issue) => describe(issue.message, issue)).join('; ');
  }
}
