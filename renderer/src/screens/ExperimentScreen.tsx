import { useEffect, useMemo, useState } from 'react';
import { isActiveRunState, type DatasetFormat, type ExperimentSettings } from '../../../src/contract/index.js';
import { ApiCallError } from '../api-client.js';
import { PlanForClusterPanel } from '../components/ClusterPlanPanels.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { ExperimentForm } from '../components/ExperimentForm.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { datasetChoices } from '../dataset-choices.js';
import { checkDraft, readableIssue } from '../draft-check.js';
import { draftFromSettings, newVariant, type ExperimentDraft } from '../experiment-draft.js';
import { runStarted } from '../run-started.js';
import { useWorkbench } from '../workspace.js';

/** A server's refusal in the form's words: "Variant "x" samples: ..." rather than "variants.0.numSamples: ...". */
function readableError(error: unknown, names: readonly string[]): unknown {
  if (!(error instanceof ApiCallError)) return error;
  return new ApiCallError(readableIssue(error.message, names), error.code, error.details.map((line) => readableIssue(line, names)));
}

export function ExperimentScreen() {
  const { api, workspace, update, navigate } = useWorkbench();
  const [startError, setStartError] = useState<unknown>(null);
  const [modelError, setModelError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);
  const [starting, setStarting] = useState(false);

  // The checks need the model's depth and whether it is usable: inspect it when no inspection is at hand.
  useEffect(() => {
    setModelError(null);
    if (workspace.model !== null) return;
    let current = true;
    api.call('inspectModel', { dir: workspace.modelDir }).then(
      (model) => {
        if (current) update((now) => (now.modelDir === workspace.modelDir ? { model } : {}));
      },
      (failure: unknown) => {
        if (current) setModelError(failure);
      },
    );
    return () => {
      current = false;
    };
  }, [api, update, workspace.model, workspace.modelDir]);

  const draft = workspace.experimentDraft;
  const run = workspace.run;
  const running = run !== null && isActiveRunState(run.state);
  const choices = useMemo(() => datasetChoices(workspace.bundled, workspace.datasets), [workspace.bundled, workspace.datasets]);
  const bundledFormats = useMemo<ReadonlyMap<string, DatasetFormat>>(() => new Map(workspace.bundled.map((entry) => [entry.name, entry.format])), [workspace.bundled]);

  // A run not started from this draft (a resumed experiment): the form shows the settings that run recorded.
  const foreignId = run !== null && !starting && run.runId !== workspace.draftRunId ? run.experimentId : null;
  const [recorded, setRecorded] = useState<{ id: string; settings: ExperimentSettings } | null>(null);
  const [recordedError, setRecordedError] = useState<unknown>(null);
  const [showDraft, setShowDraft] = useState(false);
  useEffect(() => {
    setShowDraft(false);
    if (foreignId === null) return;
    let current = true;
    api.call('experimentSettings', { id: foreignId }).then(
      (settings) => {
        if (current) setRecorded({ id: foreignId, settings });
      },
      (failure: unknown) => {
        if (current) setRecordedError(failure);
      },
    );
    return () => {
      current = false;
    };
  }, [api, foreignId]);

  // An error belongs to the state it was about: any change of the form clears it.
  useEffect(() => setStartError(null), [draft]);

  const check = useMemo(
    () =>
      draft === null
        ? null
        : checkDraft(draft, {
            catalogLoaded: workspace.defaults !== null,
            datasets: choices,
            prompts: workspace.prompts,
            modelDir: workspace.modelDir,
            model: workspace.model,
          }),
    [draft, choices, workspace.defaults, workspace.prompts, workspace.modelDir, workspace.model],
  );

  if (draft === null || check === null) {
    return (
      <section className="screen" aria-labelledby="experiment-title">
        <header className="screen-header">
          <h1 id="experiment-title">Experiment</h1>
        </header>
        <div className="panel empty-state">
          <p className="muted" role="status">
            Loading the default experiment from the configs…
          </p>
        </div>
      </section>
    );
  }

  const locked = running && run.runId === workspace.draftRunId;
  const showingRecorded = foreignId !== null && !showDraft;
  const setDraft = (next: ExperimentDraft) => update({ experimentDraft: next });
  const blockers = [
    ...(running ? [{ field: 'run', message: 'An experiment is running: wait for it to finish, or cancel it.' }] : []),
    ...(modelError === null ? [] : [{ field: 'model', message: `The model could not be checked: ${modelError instanceof Error ? modelError.message : String(modelError)}` }]),
    ...check.problems,
  ];

  const start = async () => {
    if (check.request === null) return;
    const request = check.request;
    setStartError(null);
    // The previous run's bar must not pass for this one's while the engine process starts.
    setStarting(true);
    update({ run: null });
    try {
      const { runId } = await api.call('startExperiment', request);
      update((current) => ({ draftRunId: runId, run: runStarted(current.run, runId, { variantCount: request.variants.length }) }));
    } catch (failure) {
      setStartError(readableError(failure, draft.variants.map((variant) => variant.name)));
    } finally {
      setStarting(false);
    }
  };

  const cancel = async () => {
    if (!run) return;
    setCancelling(true);
    try {
      await api.call('cancelExperiment', { runId: run.runId });
    } catch (failure) {
      setStartError(failure);
    } finally {
      setCancelling(false);
    }
  };

  const addVariant = () => {
    const dataset = choices.find((entry) => entry.key === workspace.activeDatasetKey) ?? choices[0];
    if (!dataset || !workspace.defaults) return;
    const taken = draft.variants.map((variant) => variant.name);
    setDraft({ ...draft, variants: [...draft.variants, newVariant(dataset, workspace.prompts, workspace.defaults, taken)] });
  };

  const previewPrompt = (index: number) => {
    const variant = draft.variants[index];
    if (!variant) return;
    update({ promptTarget: index, promptChoice: variant.prompt });
    navigate('prompts');
  };

  const model = workspace.model;
  const modelLine = model
    ? `${model.demoModel ? 'bundled demo model' : model.dir} · ${model.modelType ?? 'unknown type'} · ${model.numLayers ?? '?'} layers`
    : 'checking the model…';

  return (
    <section className="screen" aria-labelledby="experiment-title">
      <header className="screen-header">
        <h1 id="experiment-title">Experiment</h1>
        <p className="muted">
          Each variant is one run: a dataset, a prompt with its options, how many samples and the sampling seed. Runs are compared layer by layer. The form
          starts from the configured default experiment.
        </p>
      </header>
      <div className="panel stack">
        {showingRecorded ? (
          <>
            <div className="row spread">
              <p className="notice notice-info" data-testid="recorded-settings-note">
                Experiment {foreignId} is {running ? 'running' : 'shown'} below; these are the settings it recorded. Your draft is kept.
              </p>
              <button type="button" onClick={() => setShowDraft(true)}>
                Show my draft
              </button>
            </div>
            <ErrorNotice error={recordedError} title="The recorded settings could not be read." />
            {recorded?.id === foreignId ? (
              <div data-testid="recorded-settings">
                <ExperimentForm
                  draft={draftFromSettings(recorded.settings)}
                  datasets={choices}
                  bundledFormats={bundledFormats}
                  prompts={workspace.prompts}
                  problems={[]}
                  idPrefix="recorded"
                />
              </div>
            ) : null}
          </>
        ) : (
          <>
            {locked ? (
              <p className="notice notice-info" data-testid="form-locked-note">
                The form is locked while this experiment runs: it shows the settings the run uses.
              </p>
            ) : null}
            <ExperimentForm
              draft={draft}
              onChange={locked ? undefined : setDraft}
              datasets={choices}
              bundledFormats={bundledFormats}
              prompts={workspace.prompts}
              problems={check.problems}
              onAddVariant={locked ? undefined : addVariant}
              onPreviewPrompt={locked ? undefined : previewPrompt}
              idPrefix="draft"
            />
            <div className="row spread">
              <span className="muted small model-line" data-testid="model-line">
                Model: {modelLine}
              </span>
              {workspace.defaults && !locked ? (
                <button type="button" className="secondary" onClick={() => workspace.defaults && setDraft(draftFromSettings(workspace.defaults))}>
                  Reset to the configured defaults
                </button>
              ) : null}
            </div>
          </>
        )}
        {check.notes.length > 0 && !showingRecorded ? (
          <div className="notice notice-info" role="note" data-testid="run-notes">
            <ul>
              {check.notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {blockers.length > 0 && !showingRecorded ? (
          <div className="notice notice-warn" id="run-blockers" data-testid="run-blockers">
            <strong>Before this can run:</strong>
            <ul>
              {blockers.map((problem) => (
                <li key={`${problem.field}:${problem.message}`}>{problem.message}</li>
              ))}
            </ul>
          </div>
        ) : null}
        <ErrorNotice error={startError} title="The experiment could not start." />
        <div className="row">
          <button
            type="button"
            className="primary"
            onClick={() => void start()}
            disabled={blockers.length > 0 || starting || showingRecorded}
            aria-describedby={blockers.length > 0 ? 'run-blockers' : undefined}
          >
            Run experiment
          </button>
          <button type="button" onClick={() => void cancel()} disabled={!running || cancelling}>
            Cancel run
          </button>
          {run?.state === 'completed' && workspace.results?.experiment?.id === run.experimentId ? (
            <button type="button" onClick={() => navigate('results')}>
              Open results
            </button>
          ) : null}
        </div>
        {run ? <ProgressBar progress={run} /> : null}
        {showingRecorded ? null : <PlanForClusterPanel api={api} request={blockers.some((problem) => problem.field !== 'run') ? null : check.request} />}
      </div>
    </section>
  );
}
