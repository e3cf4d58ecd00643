import { useEffect, useRef, useState } from 'react';
import { isActiveRunState } from '../../src/contract/index.js';
import { ApiCallError, type WorkbenchApi } from './api-client.js';
import { draftFromSettings } from './experiment-draft.js';
import {
  parsePersistedWorkspace,
  persistedPartOf,
  serializePersistedWorkspace,
  WORKSPACE_STORAGE_KEY,
  type OpenResult,
} from './persisted-workspace.js';
import { emptyWorkspace, type Workspace, type WorkbenchContextValue } from './workspace.js';

/** The page's localStorage, or null where it cannot be used (storage disabled, a sandboxed frame). */
function pageStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The workspace as the last session left it, and the result that was open then. */
export function restoredWorkspace(): { workspace: Workspace; openResult: OpenResult | null } {
  const { openResult, ...kept } = parsePersistedWorkspace(pageStorage()?.getItem(WORKSPACE_STORAGE_KEY) ?? null);
  return { workspace: { ...emptyWorkspace, ...kept }, openResult };
}

/**
 * Keeps the workspace over reloads and restarts of the server: saves it on every change, loads what the engine
 * offers (prompt strategies, bundled datasets, the configs' default experiment), starts the draft from those
 * defaults, asks the engine for the run that was on screen (so its progress and Cancel come back) and opens the
 * result that was open. Returns what could not be loaded.
 */
export function useWorkspaceSession(api: WorkbenchApi, workspace: Workspace, update: WorkbenchContextValue['update'], openResult: OpenResult | null): unknown {
  const [error, setError] = useState<unknown>(null);
  // Until the open result is read again, it is still the one to keep.
  const pendingResult = useRef<OpenResult | null>(openResult);

  useEffect(() => {
    const persisted = persistedPartOf(workspace);
    const kept = { ...persisted, openResult: persisted.openResult ?? pendingResult.current };
    try {
      pageStorage()?.setItem(WORKSPACE_STORAGE_KEY, serializePersistedWorkspace(kept));
    } catch {
      // A full or disabled storage costs only the restore after a reload.
    }
  }, [workspace]);

  useEffect(() => {
    Promise.all([api.call('listPrompts', {}), api.call('experimentDefaults', {}), api.call('listDatasets', {})]).then(
      ([prompts, defaults, bundled]) => update({ prompts: prompts.prompts, defaults, bundled: bundled.datasets }),
      setError,
    );
  }, [api, update]);

  useEffect(() => {
    if (workspace.experimentDraft === null && workspace.defaults !== null) update({ experimentDraft: draftFromSettings(workspace.defaults) });
  }, [update, workspace.experimentDraft, workspace.defaults]);

  const restoredRun = useRef(workspace.run);
  useEffect(() => {
    const run = restoredRun.current;
    if (run === null || !isActiveRunState(run.state)) return;
    api.call('experimentStatus', { runId: run.runId }).then(
      (latest) => update((current) => (current.run?.runId === run.runId ? { run: latest } : {})),
      (failure: unknown) => {
        if (!(failure instanceof ApiCallError) || failure.code !== 'not_found') return;
        // The server no longer knows the run: it was restarted, which ended the run's engine process.
        const kept = run.experimentId === null ? '' : ` Experiment ${run.experimentId} keeps the samples done so far; resume it from the History.`;
        update((current) =>
          current.run?.runId === run.runId
            ? { run: { ...run, state: 'failed', etaSeconds: null, message: `This run stopped when the workbench server was restarted.${kept}` } }
            : {},
        );
      },
    );
  }, [api, update]);

  useEffect(() => {
    const open = pendingResult.current;
    if (open === null) return;
    const reading = open.kind === 'experiment' ? api.call('getExperiment', { id: open.id }) : api.call('compareRuns', { runs: open.runs });
    reading.then(
      (results) => {
        pendingResult.current = null;
        update((current) => (current.results === null ? { results } : {}));
      },
      () => {
        // Deleted from the history since: nothing to reopen.
        pendingResult.current = null;
      },
    );
  }, [api, update]);

  return error;
}
