/** The researcher's notes and tags in a report, when there are any: one rendering for every report kind. */
import { escapeHtml } from './html-page.js';
import type { Annotations } from './types.js';

function isEmpty(annotations: Annotations | null | undefined): annotations is null | undefined {
  return annotations === null || annotations === undefined || (annotations.notes.trim() === '' && annotations.tags.length === 0);
}

/** EXPERIMENT.md's Notes section; null when there is nothing to say. */
export function notesMarkdown(annotations: Annotations | null | undefined): string | null {
  if (isEmpty(annotations)) return null;
  const tags = annotations.tags.length === 0 ? '' : `**Tags:** ${annotations.tags.map((tag) => `\`${tag}\``).join(' ')}\n`;
  const notes = annotations.notes.trim() === '' ? '' : `${tags === '' ? '' : '\n'}${annotations.notes.trim()}\n`;
  return `## Notes\n\n${tags}${notes}`;
}

/** The HTML report's Notes section; empty when there is nothing to say. */
export function notesHtml(annotations: Annotations | null | undefined): string {
  if (isEmpty(annotations)) return '';
  const tags = annotations.tags.length === 0 ? '' : `<p class="tags">Tags: ${annotations.tags.map((tag) => `<code>${escapeHtml(tag)}</code>`).join('')}</p>`;
  const notes = annotations.notes.trim() === '' ? '' : `<p class="notes">${escapeHtml(annotations.notes.trim())}</p>`;
  return `<section data-section="notes"><h2>Notes</h2>${tags}${notes}</section>`;
}
