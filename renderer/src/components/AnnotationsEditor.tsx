import { useEffect, useState } from 'react';
import type { Annotations } from '../../../src/contract/index.js';
import { useWorkbench } from '../workspace.js';
import { ErrorNotice } from './ErrorNotice.js';

/** A tag as typed: surrounding spaces and a leading # dropped. */
function cleanTag(text: string): string {
  return text.trim().replace(/^#/, '');
}

/**
 * The researcher's notes and tags on an experiment, edited in place and stored in the history (they travel into
 * the reports and `history --search` finds them).
 */
export function AnnotationsEditor({ experimentId, stored, onSaved }: { experimentId: string; stored: Annotations; onSaved: (annotations: Annotations) => void }) {
  const { api } = useWorkbench();
  const [notes, setNotes] = useState(stored.notes);
  const [tagText, setTagText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [savedNotes, setSavedNotes] = useState(stored.notes);

  // Another experiment opened, or the stored notes changed elsewhere: show what is stored.
  useEffect(() => {
    setNotes(stored.notes);
    setSavedNotes(stored.notes);
  }, [experimentId, stored.notes]);

  const save = async (change: { notes?: string; addTags?: string[]; removeTags?: string[] }) => {
    setError(null);
    setSaving(true);
    try {
      const annotations = await api.call('annotateExperiment', { id: experimentId, ...change });
      setSavedNotes(annotations.notes);
      onSaved(annotations);
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  };

  const addTag = async () => {
    const tag = cleanTag(tagText);
    if (tag === '') return;
    await save({ addTags: [tag] });
    setTagText('');
  };

  return (
    <div className="panel stack annotations" data-testid="annotations">
      <h2>Notes and tags</h2>
      <div className="row">
        <span className="chips" aria-label="Tags">
          {stored.tags.length === 0 ? <span className="muted small">No tags yet.</span> : null}
          {stored.tags.map((tag) => (
            <span key={tag} className="chip tag-chip" data-testid="tag-chip">
              {tag}
              <button type="button" className="chip-remove" aria-label={`Remove tag ${tag}`} onClick={() => void save({ removeTags: [tag] })} disabled={saving}>
                ×
              </button>
            </span>
          ))}
        </span>
        <input
          type="text"
          className="tag-input"
          aria-label="New tag"
          placeholder="add a tag…"
          value={tagText}
          onChange={(event) => setTagText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') void addTag();
          }}
        />
        <button type="button" className="compact" onClick={() => void addTag()} disabled={saving || cleanTag(tagText) === ''}>
          Add tag
        </button>
      </div>
      <label>
        Notes
        <textarea aria-label="Notes" rows={3} value={notes} onChange={(event) => setNotes(event.target.value)} maxLength={20_000} />
      </label>
      <div className="row">
        <button type="button" className="compact" onClick={() => void save({ notes })} disabled={saving || notes === savedNotes}>
          Save notes
        </button>
        <span className="muted small" role="status" data-testid="notes-state">
          {saving ? 'Saving…' : notes === savedNotes ? (savedNotes === '' ? 'No notes yet.' : 'Saved in the history.') : 'Not saved yet.'}
        </span>
      </div>
      <ErrorNotice error={error} title="The notes could not be saved." />
    </div>
  );
}
