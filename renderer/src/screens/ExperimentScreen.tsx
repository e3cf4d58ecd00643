import { useEffect, useState } from 'react';
import { isActiveRunState, type DatasetFormat, type ExperimentRequest, type PromptStrategyInfo } from '../../../src/contract/index.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { draftToRequest, initialDraft, variantFor, type ExperimentDraft, type VariantDraft } from '../experiment-draft.js';
import { useWorkbench } from '../workspace.js';

/** The formats a prompt is written for, when the dataset's format is not among them; null when they fit or are unknown. */
function formatMismatch(prompt: PromptStrategyInfo | undefined, format: DatasetFormat | undefined): DatasetFormat[] | null {
  if (!prompt?.datasetFormats || format === undefined || prompt.datasetFormats.includes(format)) return null;
  return prompt.datasetFormats;
}

export function ExperimentScreen() {
  const { api, workspace, update, navigate } = useWorkbench();
  const [error, setError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);
  const [starting, setStarting] = useState(false);

  useEffect(() => {
    if (workspace.prompts.length === 0) {
      api.call('listPrompts', {}).then((answer) => update({ prompts: answer.prompts }), setError);
    }
  }, [api, update, workspace.prompts.length]);

  // Bundled sources carry only a name; their formats come from the bundled list, for the prompt/format check.
  const [bundledFormats, setBundledFormats] = useState<ReadonlyMap<string, DatasetFormat>>(new Map());
  useEffect(() => {
    api.call('listDatasets', {}).then((answer) => setBundledFormats(new Map(answer.datasets.map((entry) => [entry.name, entry.format]))), setError);
  }, [api]);

  useEffect(() => {
    if (workspace.experimentDraft === null && workspace.datasets.length > 0 && workspace.prompts.length > 0) {
      update({ experimentDraft: initialDraft(workspace.datasets, workspace.prompts) });
    }
  }, [update, workspace.experimentDraft, workspace.datasets, workspace.prompts]);

  const draft = workspace.experimentDraft;
  const run = workspace.run;
  const running = run !== null && isActiveRunState(run.state);

  if (draft === null) {
    return (
      <section className="screen" aria-labelledby="experiment-title">
        <header className="screen-header">
          <h1 id="experiment-title">Experiment</h1>
        </header>
        <div className="panel empty-state">
          <ErrorNotice error={error} />
          <p className="muted">Open at least one dataset to build variants from.</p>
          <button type="button" onClick={() => navigate('datasets')}>
            Go to Datasets
          </button>
        </div>
      </section>
    );
  }

  const setDraft = (change: Partial<ExperimentDraft>) => update({ experimentDraft: { ...draft, ...change } });
  const setVariant = (index: number, change: Partial<VariantDraft>) =>
    setDraft({ variants: draft.variants.map((variant, i) => (i === index ? { ...variant, ...change } : variant)) });

  const start = async () => {
    setError(null);
    try {
      const request = draftToRequest(draft, workspace.datasets, workspace.modelDir);
      // The previous run's bar must not pass for this one's while the engine process starts.
      setStarting(true);
      update({ run: null });
      const { runId } = await api.call('startExperiment', request);
      update((current) => ({
        run: current.run?.runId === runId ? current.run : {
          runId,
          state: 'starting',
          variantName: null,
          variantIndex: 0,
          variantCount: request.variants.length,
          samplesDone: 0,
          samplesTotal: 0,
          samplesPerSecond: null,
          etaSeconds: null,
          message: null,
          experimentId: null,
          queuePosition: null,
        },
      }));
    } catch (failure) {
      setError(failure);
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
      setError(failure);
    } finally {
      setCancelling(false);
    }
  };

  return (
    <section className="screen" aria-labelledby="experiment-title">
      <header className="screen-header">
        <h1 id="experiment-title">Experiment</h1>
        <p className="muted">
          Each variant is one run: a dataset, a prompt, how many samples and the sampling seed. Runs are compared layer by layer.
        </p>
      </header>
      <div className="panel stack">
        <h2>Variants</h2>
        <table className="form-table" aria-label="Variants">
          <thead>
            <tr>
              <th>Name</th>
              <th>Dataset</th>
              <th>Prompt</th>
              <th>Format</th>
              <th>Samples</th>
              <th>Seed</th>
              <th>
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {draft.variants.map((variant, index) => {
              const source = workspace.datasets.find((dataset) => dataset.key === variant.datasetKey)?.source;
              const datasetFormat = source?.kind === 'file' ? source.format : source ? bundledFormats.get(source.name) : undefined;
              const expected = formatMismatch(
                workspace.prompts.find((prompt) => prompt.name === variant.prompt.name),
                datasetFormat,
              );
              const warningId = `variant-${index}-format-warning`;
              return (
                <tr key={index} data-testid="variant-row">
                  <td>
                    <input aria-label={`Variant ${index + 1} name`} value={variant.name} onChange={(event) => setVariant(index, { name: event.target.value })} />
                  </td>
                  <td>
                    <select aria-label={`Variant ${index + 1} dataset`} value={variant.datasetKey} onChange={(event) => setVariant(index, { datasetKey: event.target.value })}>
                      {workspace.datasets.map((dataset) => (
                        <option key={dataset.key} value={dataset.key}>
                          {dataset.label} ({dataset.totalSamples})
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <select
                      aria-label={`Variant ${index + 1} prompt`}
                      aria-describedby={expected ? warningId : undefined}
                      value={variant.prompt.name}
                      onChange={(event) => {
                        const strategy = workspace.prompts.find((prompt) => prompt.name === event.target.value);
                        if (strategy) setVariant(index, { prompt: { name: strategy.name, options: strategy.defaults } });
                      }}
                    >
                      {workspace.prompts.map((prompt) => (
                        <option key={prompt.name} value={prompt.name}>
                          {prompt.name}
                        </option>
                      ))}
                    </select>
                    {expected ? (
                      <span
                        id={warningId}
                        className="small field-warning"
                        data-testid="variant-format-warning"
                        title={`Prompt '${variant.prompt.name}' is written for ${expected.join(' or ')} datasets; this dataset is ${datasetFormat}. The run is allowed, as in CoTLab.`}
                      >
                        ⚠ written for {expected.join(' or ')} data, this is {datasetFormat}
                      </span>
                    ) : null}
                  </td>
                  <td>
                    <select
                      aria-label={`Variant ${index + 1} output format`}
                      value={variant.prompt.options.outputFormat}
                      onChange={(event) =>
                        setVariant(index, {
                          prompt: {
                            ...variant.prompt,
                            options: { ...variant.prompt.options, outputFormat: event.target.value as VariantDraft['prompt']['options']['outputFormat'] },
                          },
                        })
                      }
                    >
                      {(workspace.prompts.find((prompt) => prompt.name === variant.prompt.name)?.outputFormats ?? [variant.prompt.options.outputFormat]).map((format) => (
                        <option key={format}>{format}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input className="narrow" aria-label={`Variant ${index + 1} samples`} value={variant.numSamples} onChange={(event) => setVariant(index, { numSamples: event.target.value })} />
                  </td>
                  <td>
                    <input className="narrow" aria-label={`Variant ${index + 1} seed`} value={variant.seed} onChange={(event) => setVariant(index, { seed: event.target.value })} />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={`Remove variant ${variant.name}`}
                      onClick={() => setDraft({ variants: draft.variants.filter((_, i) => i !== index) })}
                    >
                      ✕
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <div className="row">
          <button
            type="button"
            className="secondary"
            onClick={() => {
              const dataset = workspace.datasets[0];
              if (dataset) setDraft({ variants: [...draft.variants, { ...variantFor(dataset, workspace.prompts), name: `variant_${draft.variants.length}` }] });
            }}
          >
            Add variant
          </button>
        </div>
        <h2>Capture and comparison</h2>
        <div className="settings-grid">
          <label>
            Layers
            <input value={draft.layers} onChange={(event) => setDraft({ layers: event.target.value })} aria-describedby="layers-help" />
            <span id="layers-help" className="muted small">
              “all”, or e.g. 0-5, 8
            </span>
          </label>
          <label>
            Pooling
            <select value={draft.pooling} onChange={(event) => setDraft({ pooling: event.target.value as ExperimentRequest['pooling'] })}>
              <option value="last_token">last token</option>
              <option value="mean">mean over tokens</option>
            </select>
          </label>
          <label>
            Comparison
            <select value={draft.comparisonMode} onChange={(event) => setDraft({ comparisonMode: event.target.value as ExperimentRequest['comparisonMode'] })}>
              <option value="pairwise">every pair</option>
              <option value="baseline">each run vs the first</option>
            </select>
          </label>
          <label>
            Captured tensor
            <select value={draft.hook} onChange={(event) => setDraft({ hook: event.target.value as ExperimentRequest['hook'] })}>
              <option value="resid_post">residual stream after each layer (raw, last layer too)</option>
              <option value="hf_hidden_states">Hugging Face hidden_states (last layer after the final norm)</option>
              <option value="cotlab">CoTLab hook point (post-norm branch output)</option>
            </select>
          </label>
          <label>
            Max input tokens
            <input value={draft.maxInputTokens} placeholder="no limit" onChange={(event) => setDraft({ maxInputTokens: event.target.value })} />
          </label>
          <div className="muted small model-line">
            Model: {workspace.model ? `${workspace.model.modelType ?? 'unknown'} · ${workspace.model.numLayers ?? '?'} layers` : 'bundled demo model (default)'}
          </div>
        </div>
        <ErrorNotice error={error} title="The experiment could not start." />
        <div className="row">
          <button type="button" className="primary" onClick={() => void start()} disabled={running || starting || draft.variants.length === 0}>
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
      </div>
    </section>
  );
}
