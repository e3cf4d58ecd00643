import { PromptStrategyError } from './errors.js';

/** Every placeholder a prompt template may use. */
export const TEMPLATE_PLACEHOLDERS = ['report', 'source_case', 'question', 'examples', 'format_instructions'] as const;
export type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];
export type TemplateValues = Record<TemplatePlaceholder, string>;

type TemplatePart = { literal: string } | { placeholder: TemplatePlaceholder };

/** A template split into literal text and placeholders, checked once when the strategy is loaded. */
export interface ParsedTemplate {
  parts: TemplatePart[];
}

/** `{{` and `}}` are literal braces; `{name}` is a placeholder; a lone brace is an error. */
const TOKEN = /\{\{|\}\}|\{([^{}]*)\}|[{}]/g;

function isPlaceholder(name: string, allowed: readonly string[]): name is TemplatePlaceholder {
  return allowed.includes(name);
}

/**
 * Parses `{placeholder}` text. `allowed` narrows which placeholders this text may use (system roles use none).
 * Errors name the strategy file, the template's key and the placeholder.
 */
export function parseTemplate(
  text: string,
  where: { file: string; field: string },
  allowed: readonly TemplatePlaceholder[] = TEMPLATE_PLACEHOLDERS,
): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let literal = '';
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    literal += text.slice(last, match.index);
    last = match.index + match[0].length;
    const [token, name] = match;
    if (token === '{{' || token === '}}') {
      literal += token[0];
      continue;
    }
    if (name === undefined) {
      throw new PromptStrategyError(`unmatched '${token}'; write {{ or }} for a literal brace`, where);
    }
    if (!isPlaceholder(name, allowed)) {
      const known = allowed.length > 0 ? `; known placeholders: ${allowed.map((p) => `{${p}}`).join(', ')}` : '; no placeholders are allowed here';
      throw new PromptStrategyError(`unknown placeholder {${name}}${known}`, { ...where, placeholder: name });
    }
    parts.push({ literal }, { placeholder: name });
    literal = '';
  }
  parts.push({ literal: literal + text.slice(last) });
  return { parts: parts.filter((part) => !('literal' in part) || part.literal !== '') };
}

/**
 * Fills the placeholders in one pass, so text inside values (e.g. a report with braces) is never re-read.
 * Text parsed with no allowed placeholders renders with no values.
 */
export function renderTemplate(template: ParsedTemplate, values: Partial<TemplateValues>): string {
  return template.parts
    .map((part) => {
      if ('literal' in part) return part.literal;
      const value = values[part.placeholder];
      if (value === undefined) throw new Error(`no value for placeholder {${part.placeholder}}`);
      return value;
    })
    .join('');
}
