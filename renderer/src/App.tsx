import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { isActiveRunState } from '../../src/contract/index.js';
import type { WorkbenchApi } from './api-client.js';
import { DatasetsScreen } from './screens/DatasetsScreen.js';
import { ExperimentScreen } from './screens/ExperimentScreen.js';
import { ExportScreen } from './screens/ExportScreen.js';
import { HistoryScreen } from './screens/HistoryScreen.js';
import { ModelScreen } from './screens/ModelScreen.js';
import { PromptsScreen } from './screens/PromptsScreen.js';
import { ResultsScreen } from './screens/ResultsScreen.js';
import { ErrorNotice } from './components/ErrorNotice.js';
import { WorkbenchContext, type ScreenId, type Workspace, type WorkbenchContextValue } from './workspace.js';
import { restoredWorkspace, useWorkspaceSession } from './workspace-session.js';

const SCREENS: { id: ScreenId; label: string; key: string }[] = [
  { id: 'datasets', label: 'Datasets', key: '1' },
  { id: 'prompts', label: 'Prompts', key: '2' },
  { id: 'model', label: 'Model', key: '3' },
  { id: 'experiment', label: 'Experiment', key: '4' },
  { id: 'results', label: 'Results', key: '5' },
  { id: 'history', label: 'History', key: '6' },
  { id: 'export', label: 'Export', key: '7' },
];

const SCREEN_VIEWS: Record<ScreenId, () => React.JSX.Element> = {
  datasets: DatasetsScreen,
  prompts: PromptsScreen,
  model: ModelScreen,
  experiment: ExperimentScreen,
  results: ResultsScreen,
  history: HistoryScreen,
  export: ExportScreen,
};

/** How often open results of a running experiment are re-read from the history. */
const LIVE_READ_INTERVAL_MS = 700;

export function App({ api }: { api: WorkbenchApi }) {
  const [restored] = useState(restoredWorkspace);
  const [workspace, setWorkspace] = useState<Workspace>(restored.workspace);
  const [screen, setScreen] = useState<ScreenId>('datasets');

  const update = useCallback<WorkbenchContextValue['update']>((change) => {
    setWorkspace((current) => ({ ...current, ...(typeof change === 'function' ? change(current) : change) }));
  }, []);
  const sessionError = useWorkspaceSession(api, workspace, update, restored.openResult);

  // The experiment whose results are open, for the progress listener: a running one is re-read as it goes.
  const openExperiment = useRef<string | null>(null);
  openExperiment.current = workspace.results?.experiment?.id ?? null;
  const liveRead = useRef({ at: 0, busy: false });

  // Progress is followed here, not on the Experiment screen, so a run keeps reporting while you look elsewhere.
  useEffect(
    () =>
      api.onProgress((event) => {
        // A new run's first events can arrive before its start call returns: take them unless another run is active.
        setWorkspace((current) =>
          current.run === null || current.run.runId === event.runId || !isActiveRunState(current.run.state)
            ? { ...current, run: event }
            : current,
        );
        if (event.state === 'completed' && event.experimentId !== null) {
          api.call('getExperiment', { id: event.experimentId }).then((results) => update({ results }), () => undefined);
          return;
        }
        // Results of the running experiment are open: show the samples stored so far, a few times a second at most.
        const live = liveRead.current;
        const now = performance.now();
        const stopped = event.state === 'failed' || event.state === 'cancelled';
        if (event.experimentId !== null && event.experimentId === openExperiment.current && (stopped || (!live.busy && now - live.at > LIVE_READ_INTERVAL_MS))) {
          live.busy = true;
          live.at = now;
          const id = event.experimentId;
          api
            .call('getExperiment', { id })
            .then((results) => update((current) => (current.results?.experiment?.id === id ? { results } : {})), () => undefined)
            .finally(() => {
              live.busy = false;
            });
        }
      }),
    [api, update],
  );

  // Alt+1..7 switch screens from anywhere, without stealing keys from inputs.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey) return;
      const target = SCREENS.find((entry) => entry.key === event.key);
      if (target) {
        event.preventDefault();
        setScreen(target.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const context = useMemo<WorkbenchContextValue>(() => ({ api, workspace, update, navigate: setScreen }), [api, workspace, update]);
  const View = SCREEN_VIEWS[screen];
  const run = workspace.run;

  return (
    <WorkbenchContext.Provider value={context}>
      <div className="shell">
        <nav className="sidebar" aria-label="Screens">
          <div className="brand">
            CoTLab <span>Workbench</span>
          </div>
          <ul>
            {SCREENS.map((entry) => (
              <li key={entry.id}>
                <button
                  type="button"
                  className={`nav-button${screen === entry.id ? ' current' : ''}`}
                  aria-current={screen === entry.id ? 'page' : undefined}
                  onClick={() => setScreen(entry.id)}
                  title={`Alt+${entry.key}`}
                >
                  {entry.label}
                  {entry.id === 'experiment' && run && isActiveRunState(run.state) ? (
                    <span className="nav-pill">{run.samplesTotal > 0 ? `${Math.round((100 * run.samplesDone) / run.samplesTotal)}%` : '…'}</span>
                  ) : null}
                </button>
              </li>
            ))}
          </ul>
          <div className="sidebar-foot muted small">{api.desktop ? 'Desktop' : 'Local server (127.0.0.1)'}</div>
        </nav>
        <main className="content">
          <ErrorNotice error={sessionError} title="The workbench could not load its prompts, datasets or default settings." />
          <View />
        </main>
      </div>
    </WorkbenchContext.Provider>
  );
}
