import type { DatasetFormat, ExperimentDefaults, ExperimentKind, ExperimentRequest, OutputFormat, PromptOptions, PromptStrategyInfo } from '../../../src/contract/index.js';
import { datasetKeyOf, fileDatasetName, type OpenDataset } from '../dataset-choices.js';
import type { DraftProblem } from '../draft-check.js';
import { withExperimentType, type ExperimentDraft, type GenerationDraft, type VariantDraft } from '../experiment-draft.js';

/** The formats a prompt is written for, when the dataset's format is not among them; null when they fit or are unknown. */
function formatMismatch(prompt: PromptStrategyInfo | undefined, format: DatasetFormat | undefined): DatasetFormat[] | null {
  if (!prompt?.datasetFormats || format === undefined || prompt.datasetFormats.includes(format)) return null;
  return prompt.datasetFormats;
}

const PROMPT_SWITCHES: { key: 'fewShot' | 'answerFirst' | 'contrarian'; label: string; title: string }[] = [
  { key: 'fewShot', label: 'few-shot', title: 'Few-shot: the worked examples are part of the prompt' },
  { key: 'answerFirst', label: 'answer first', title: 'Answer first, then justify (wins over contrarian)' },
  { key: 'contrarian', label: 'contrarian', title: 'Contrarian (skeptical) reasoning' },
];

const EXPERIMENT_TYPES: { kind: ExperimentKind; label: string }[] = [
  { kind: 'activation_compare', label: 'activation_compare: activations compared per layer' },
  { kind: 'classification', label: 'classification: answers generated and scored' },
  { kind: 'logit_lens', label: "logit_lens: each layer's next-token prediction" },
];

export interface ExperimentFormProps {
  draft: ExperimentDraft;
  /** Each type's configured settings (from the engine), applied when the type is changed; null while loading. */
  typeDefaults?: ExperimentDefaults['typeDefaults'] | null;
  /** Absent: the form only shows the settings (a resumed experiment's, or the draft while it runs). */
  onChange?: (draft: ExperimentDraft) => void;
  datasets: readonly OpenDataset[];
  /** The format of each bundled dataset, for the prompt/dataset check. */
  bundledFormats: ReadonlyMap<string, DatasetFormat>;
  prompts: readonly PromptStrategyInfo[];
  problems: readonly DraftProblem[];
  onAddVariant?: () => void;
  onPreviewPrompt?: (index: number) => void;
  /** Tells the form's fields apart when two forms are on one page. */
  idPrefix: string;
}

/** The variants (dataset, the full prompt choice, samples, seed) and the capture settings of one experiment. */
export function ExperimentForm({ draft, typeDefaults = null, onChange, datasets, bundledFormats, prompts, problems, onAddVariant, onPreviewPrompt, idPrefix }: ExperimentFormProps) {
  const readOnly = onChange === undefined;
  const setDraft = (change: Partial<ExperimentDraft>) => onChange?.({ ...draft, ...change });
  const setVariant = (index: number, change: Partial<VariantDraft>) =>
    setDraft({ variants: draft.variants.map((variant, i) => (i === index ? { ...variant, ...change } : variant)) });
  const setOption = <K extends keyof PromptOptions>(index: number, key: K, value: PromptOptions[K]) => {
    const variant = draft.variants[index];
    if (variant) setVariant(index, { prompt: { ...variant.prompt, options: { ...variant.prompt.options, [key]: value } } });
  };
  const invalid = (field: string) => (problems.some((problem) => problem.field === field) ? true : undefined);
  const kind = draft.experimentType;
  const generates = kind === 'classification' || (kind === 'activation_compare' && draft.recordAnswers);
  const generation = draft.generation;
  const setGeneration = (change: Partial<GenerationDraft>) => {
    if (generation !== null) setDraft({ generation: { ...generation, ...change } });
  };

  return (
    <fieldset className="experiment-form stack" disabled={readOnly}>
      <legend className="visually-hidden">Experiment settings</legend>
      <h2>Experiment</h2>
      <div className="settings-grid">
        <label className="wide-setting">
          Experiment type
          <select
            data-testid="experiment-type"
            value={kind}
            aria-invalid={invalid('experiment-type')}
            disabled={typeDefaults === null && !readOnly}
            onChange={(event) => {
              if (typeDefaults !== null) onChange?.(withExperimentType(draft, event.target.value as ExperimentKind, typeDefaults));
            }}
          >
            {EXPERIMENT_TYPES.map((type) => (
              <option key={type.kind} value={type.kind}>
                {type.label}
              </option>
            ))}
          </select>
        </label>
        {kind === 'activation_compare' ? (
            <label className="check">
              <input type="checkbox" data-testid="record-answers" checked={draft.recordAnswers} onChange={(event) => setDraft({ recordAnswers: event.target.checked })} />
              Also record and score each answer
            </label>
        ) : null}
        {generates && generation !== null ? (
          <>
            <label>
              Max new tokens
              <input className="narrow" data-testid="max-new-tokens" value={generation.maxNewTokens} aria-invalid={invalid('max-new-tokens')} onChange={(event) => setGeneration({ maxNewTokens: event.target.value })} />
            </label>
            <label className="check">
              <input type="checkbox" data-testid="do-sample" checked={generation.doSample} onChange={(event) => setGeneration({ doSample: event.target.checked })} />
              Sample (else greedy)
            </label>
            {generation.doSample ? (
              <>
                <label>
                  Temperature
                  <input className="narrow" value={generation.temperature} aria-invalid={invalid('temperature')} onChange={(event) => setGeneration({ temperature: event.target.value })} />
                </label>
                <label>
                  Top-p
                  <input className="narrow" value={generation.topP} aria-invalid={invalid('top-p')} onChange={(event) => setGeneration({ topP: event.target.value })} />
                </label>
                <label>
                  Sampling seed
                  <input className="seed-input" value={generation.seed} placeholder="experiment's" aria-invalid={invalid('generation-seed')} onChange={(event) => setGeneration({ seed: event.target.value })} />
                </label>
              </>
            ) : null}
          </>
        ) : null}
        {kind === 'logit_lens' ? (
          <label>
            Top tokens per layer
            <input className="narrow" data-testid="top-k" value={draft.topK} aria-invalid={invalid('top-k')} onChange={(event) => setDraft({ topK: event.target.value })} />
          </label>
        ) : null}
        <label className="wide-setting">
          Answer cue
          <textarea
            rows={2}
            data-testid="answer-cue"
            value={draft.answerCue ?? ''}
            placeholder="none"
            title="Text after the prompt, so the next token is the answer (blank: none)"
            onChange={(event) => setDraft({ answerCue: event.target.value === '' ? null : event.target.value })}
          />
        </label>
      </div>
      <h2>Variants</h2>
      <div className="table-scroll">
        <table className="form-table variants-table" aria-label="Variants">
          <thead>
            <tr>
              <th>Name</th>
              <th>Dataset</th>
              <th>Prompt</th>
              <th>Output</th>
              <th>Prompt options</th>
              <th>Samples</th>
              <th>Seed</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {draft.variants.map((variant, index) => {
              const key = datasetKeyOf(variant.dataset);
              const chosen = datasets.find((dataset) => dataset.key === key);
              const source = variant.dataset;
              const datasetFormat = source.kind === 'file' ? source.format : bundledFormats.get(source.name);
              const strategy = prompts.find((prompt) => prompt.name === variant.prompt.name);
              const expected = formatMismatch(strategy, datasetFormat);
              const warningId = `${idPrefix}-variant-${index}-format-warning`;
              const n = index + 1;
              return (
                <tr key={index} data-testid="variant-row">
                  <td>
                    <input
                      className="name-input"
                      aria-label={`Variant ${n} name`}
                      aria-invalid={invalid(`variant-${index}-name`)}
                      value={variant.name}
                      onChange={(event) => setVariant(index, { name: event.target.value })}
                    />
                  </td>
                  <td>
                    <select
                      className="dataset-select"
                      aria-label={`Variant ${n} dataset`}
                      aria-invalid={invalid(`variant-${index}-dataset`)}
                      value={key}
                      title={source.kind === 'file' ? source.path : undefined}
                      onChange={(event) => {
                        const next = datasets.find((dataset) => dataset.key === event.target.value);
                        if (next) setVariant(index, { dataset: next.source });
                      }}
                    >
                      {chosen ? null : (
                        <option value={key}>{source.kind === 'bundled' ? source.name : (source.name ?? fileDatasetName(source.path))} (not open)</option>
                      )}
                      {datasets.map((dataset) => (
                        <option key={dataset.key} value={dataset.key}>
                          {dataset.label} ({dataset.totalSamples})
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <select
                      aria-label={`Variant ${n} prompt`}
                      aria-invalid={invalid(`variant-${index}-prompt`)}
                      aria-describedby={expected ? warningId : undefined}
                      value={variant.prompt.name}
                      onChange={(event) => {
                        const next = prompts.find((prompt) => prompt.name === event.target.value);
                        if (next) setVariant(index, { prompt: { name: next.name, options: next.defaults } });
                      }}
                    >
                      {strategy ? null : <option value={variant.prompt.name}>{variant.prompt.name}</option>}
                      {prompts.map((prompt) => (
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
                      aria-label={`Variant ${n} output format`}
                      aria-invalid={invalid(`variant-${index}-format`)}
                      value={variant.prompt.options.outputFormat}
                      onChange={(event) => setOption(index, 'outputFormat', event.target.value as OutputFormat)}
                    >
                      {(strategy?.outputFormats.includes(variant.prompt.options.outputFormat) ? strategy.outputFormats : [variant.prompt.options.outputFormat, ...(strategy?.outputFormats ?? [])]).map((format) => (
                        <option key={format}>{format}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <div className="prompt-switches">
                      {PROMPT_SWITCHES.map((option) => (
                        <label key={option.key} className="check small" title={option.title}>
                          <input
                            type="checkbox"
                            aria-label={`Variant ${n} ${option.label}`}
                            checked={variant.prompt.options[option.key]}
                            onChange={(event) => setOption(index, option.key, event.target.checked)}
                          />
                          {option.label}
                        </label>
                      ))}
                    </div>
                  </td>
                  <td>
                    <input
                      className="narrow"
                      aria-label={`Variant ${n} samples`}
                      aria-invalid={invalid(`variant-${index}-samples`)}
                      title="A number, or all (blank, 0 or less also take the whole dataset)"
                      value={variant.numSamples}
                      onChange={(event) => setVariant(index, { numSamples: event.target.value })}
                    />
                  </td>
                  <td>
                    <input
                      className="seed-input"
                      aria-label={`Variant ${n} seed`}
                      aria-invalid={invalid(`variant-${index}-seed`)}
                      value={variant.seed}
                      onChange={(event) => setVariant(index, { seed: event.target.value })}
                    />
                  </td>
                  <td>
                    <div className="row nowrap">
                      {onPreviewPrompt ? (
                        <button type="button" className="icon-button" aria-label={`Preview the prompt of variant ${n}`} title="Preview this prompt on the Prompts screen" onClick={() => onPreviewPrompt(index)}>
                          Preview
                        </button>
                      ) : null}
                      {readOnly ? null : (
                        <button
                          type="button"
                          className="icon-button"
                          aria-label={`Remove variant ${variant.name}`}
                          onClick={() => setDraft({ variants: draft.variants.filter((_, i) => i !== index) })}
                        >
                          ✕
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {onAddVariant ? (
        <div className="row">
          <button type="button" className="secondary" onClick={onAddVariant}>
            Add variant
          </button>
        </div>
      ) : null}
      <h2>{kind === 'classification' ? 'Comparison' : kind === 'logit_lens' ? 'Layers' : 'Capture and comparison'}</h2>
      <div className="settings-grid">
        {kind === 'classification' ? null : (
          <label>
            Layers
            <input
              value={draft.layers}
              aria-invalid={invalid('layers')}
              onChange={(event) => setDraft({ layers: event.target.value })}
              aria-describedby={`${idPrefix}-layers-help`}
            />
            <span id={`${idPrefix}-layers-help`} className="muted small">
              “all”, or e.g. 0-5, 8
            </span>
          </label>
        )}
        {kind === 'activation_compare' ? (
          <label>
            Pooling
            <select value={draft.pooling} onChange={(event) => setDraft({ pooling: event.target.value as ExperimentRequest['pooling'] })}>
              <option value="mean">mean over tokens</option>
              <option value="last_token">last token</option>
            </select>
          </label>
        ) : null}
        {kind === 'logit_lens' ? null : (
          <label>
            Comparison
            <select value={draft.comparisonMode} onChange={(event) => setDraft({ comparisonMode: event.target.value as ExperimentRequest['comparisonMode'] })}>
              <option value="pairwise">every pair</option>
              <option value="baseline">each run vs the first</option>
            </select>
          </label>
        )}
        {kind === 'activation_compare' ? (
          <label className="wide-setting">
            Captured tensor
            <select value={draft.hook} onChange={(event) => setDraft({ hook: event.target.value as ExperimentRequest['hook'] })}>
              <option value="resid_post">residual stream after each layer (raw, last layer too)</option>
              <option value="hf_hidden_states">Hugging Face hidden_states (last layer after the final norm)</option>
              <option value="cotlab">CoTLab hook point (post-norm branch output)</option>
            </select>
          </label>
        ) : null}
        <label>
          Max input tokens
          <input value={draft.maxInputTokens} aria-invalid={invalid('max-tokens')} placeholder="no limit" onChange={(event) => setDraft({ maxInputTokens: event.target.value })} />
        </label>
      </div>
    </fieldset>
  );
}
