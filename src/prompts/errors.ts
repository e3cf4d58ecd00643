/** A prompt strategy file that cannot be used: bad YAML shape, unknown placeholder, example not matching the schema. */
export class PromptStrategyError extends Error {
  /** The strategy file. */
  readonly file: string;
  /** Dotted path of the offending entry in the file, e.g. `templates.standard`. */
  readonly field: string | null;
  /** The offending placeholder name, for template errors. */
  readonly placeholder: string | null;

  constructor(detail: string, context: { file: string; field?: string | null; placeholder?: string | null }) {
    super(`${context.file}: ${context.field ? `${context.field}: ` : ''}${detail}`);
    this.name = 'PromptStrategyError';
    this.file = context.file;
    this.field = context.field ?? null;
    this.placeholder = context.placeholder ?? null;
  }
}
