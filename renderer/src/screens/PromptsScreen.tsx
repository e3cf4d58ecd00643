import { useEffect, useMemo, useState } from 'react';
import type { OutputFormat, PromptChoice, PromptOptions, PromptPreview } from '../../../src/contract/index.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { datasetChoices, datasetKeyOf } from '../dataset-choices.js';
import { useWorkbench } from '../workspace.js';

function samePrompt(a: PromptChoice, b: PromptChoice): boolean {
  return (
    a.name === b.name &&
    a.options.fewShot === b.options.fewShot &&
    a.options.answerFirst === b.options.answerFirst &&
    a.options.contrarian === b.options.contrarian &&
    a.options.outputFormat === b.options.outputFormat
  );
}

/** A prompt choice in one line: "histopathology, yaml, few-shot off, contrarian". */
export function describePrompt(choice: PromptChoice): string {
  const { options } = choice;
  const switches = [options.fewShot ? 'few-shot' : 'few-shot off', ...(options.answerFirst ? ['answer first'] : []), ...(options.contrarian ? ['contrarian'] : [])];
  return `${choice.name}, ${options.outputFormat}, ${switches.join(', ')}`;
}

export function PromptsScreen() {
  const { api, workspace, update, navigate } = useWorkbench();
  const [error, setError] = useState<unknown>(null);
  const [preview, setPreview] = useState<PromptPreview | null>(null);
  const [sampleIdx, setSampleIdx] = useState(0);
  const [datasetKey, setDatasetKey] = useState<string | null>(null);

  const variants = workspace.experimentDraft?.variants ?? [];
  const targetIndex = Math.min(workspace.promptTarget, Math.max(0, variants.length - 1));
  const target = variants[targetIndex] ?? null;
  const choices = useMemo(() => datasetChoices(workspace.bundled, workspace.datasets), [workspace.bundled, workspace.datasets]);

  // With nothing chosen yet, start from the variant the screen works on.
  useEffect(() => {
    if (workspace.promptChoice === null && target !== null) update({ promptChoice: target.prompt });
  }, [update, workspace.promptChoice, target]);

  const choice = workspace.promptChoice;
  const strategy = workspace.prompts.find((prompt) => prompt.name === choice?.name) ?? null;
  // The preview's dataset: the one picked here, else the target variant's, else the active one.
  const dataset =
    choices.find((entry) => entry.key === datasetKey) ??
    (target ? choices.find((entry) => entry.key === datasetKeyOf(target.dataset)) : undefined) ??
    choices.find((entry) => entry.key === workspace.activeDatasetKey) ??
    choices[0] ??
    null;

  useEffect(() => {
    if (!choice || !dataset) return;
    let current = true;
    api
      .call('previewPrompt', { prompt: choice, dataset: dataset.source, sampleIdx: Math.min(sampleIdx, Math.max(0, dataset.totalSamples - 1)), modelDir: workspace.modelDir })
      .then(
        (answer) => {
          if (current) {
            setPreview(answer);
            setError(null);
          }
        },
        (failure: unknown) => {
          if (current) setError(failure);
        },
      );
    return () => {
      current = false;
    };
  }, [api, choice, dataset, sampleIdx, workspace.modelDir]);

  const setChoice = (next: PromptChoice) => update({ promptChoice: next });
  const setOption = <K extends keyof PromptOptions>(key: K, value: PromptOptions[K]) => {
    if (choice) setChoice({ ...choice, options: { ...choice.options, [key]: value } });
  };
  const chooseTarget = (index: number) => {
    const variant = variants[index];
    if (!variant) return;
    setDatasetKey(null);
    update({ promptTarget: index, promptChoice: variant.prompt });
  };
  const apply = () => {
    const draft = workspace.experimentDraft;
    if (!choice || !draft || !target) return;
    update({ experimentDraft: { ...draft, variants: draft.variants.map((variant, index) => (index === targetIndex ? { ...variant, prompt: choice } : variant)) } });
  };
  const applied = choice !== null && target !== null && samePrompt(choice, target.prompt);
  const lastIdx = Math.max(0, (dataset?.totalSamples ?? 1) - 1);

  return (
    <section className="screen" aria-labelledby="prompts-title">
      <header className="screen-header">
        <h1 id="prompts-title">Prompts</h1>
        <p className="muted">Pick a prompt strategy and its options, see exactly what the model reads for any sample, and apply it to a variant of the experiment.</p>
      </header>
      <div className="two-column">
        <div className="panel stack">
          {variants.length > 0 ? (
            <label>
              Variant
              <select value={targetIndex} onChange={(event) => chooseTarget(Number(event.target.value))}>
                {variants.map((variant, index) => (
                  <option key={index} value={index}>
                    {index + 1}: {variant.name}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label>
            Strategy
            <select
              value={choice?.name ?? ''}
              onChange={(event) => {
                const next = workspace.prompts.find((prompt) => prompt.name === event.target.value);
                if (next) setChoice({ name: next.name, options: next.defaults });
              }}
            >
              {workspace.prompts.map((prompt) => (
                <option key={prompt.name} value={prompt.name}>
                  {prompt.name}
                </option>
              ))}
            </select>
          </label>
          {strategy?.description ? <p className="muted small">{strategy.description}</p> : null}
          {choice ? (
            <fieldset className="stack">
              <legend>Options</legend>
              <label className="check">
                <input type="checkbox" checked={choice.options.fewShot} onChange={(event) => setOption('fewShot', event.target.checked)} />
                Few-shot examples
              </label>
              <label className="check">
                <input type="checkbox" checked={choice.options.answerFirst} onChange={(event) => setOption('answerFirst', event.target.checked)} />
                Answer first, then justify
              </label>
              <label className="check">
                <input type="checkbox" checked={choice.options.contrarian} onChange={(event) => setOption('contrarian', event.target.checked)} />
                Contrarian (skeptical) reasoning
              </label>
              <label>
                Output format
                <select value={choice.options.outputFormat} onChange={(event) => setOption('outputFormat', event.target.value as OutputFormat)}>
                  {(strategy?.outputFormats ?? [choice.options.outputFormat]).map((format) => (
                    <option key={format} value={format}>
                      {format}
                    </option>
                  ))}
                </select>
              </label>
            </fieldset>
          ) : null}
          {target && choice ? (
            <div className="stack apply-box">
              <button type="button" className="primary" onClick={apply} disabled={applied}>
                Apply to variant {target.name}
              </button>
              <p className={`small ${applied ? 'muted' : 'field-warning'}`} role="status" data-testid="prompt-apply-status">
                {applied ? `Variant ${target.name} runs with this prompt.` : `Not applied: variant ${target.name} runs with ${describePrompt(target.prompt)}.`}
              </p>
            </div>
          ) : (
            <p className="muted small">The experiment has no variants yet: add one on the Experiment screen to apply a prompt to it.</p>
          )}
          <label>
            Dataset
            <select value={dataset?.key ?? ''} onChange={(event) => setDatasetKey(event.target.value)}>
              {choices.map((entry) => (
                <option key={entry.key} value={entry.key}>
                  {entry.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Sample index (0–{lastIdx})
            <div className="row">
              <button type="button" aria-label="Previous sample" onClick={() => setSampleIdx((i) => Math.max(0, i - 1))} disabled={sampleIdx <= 0}>
                ‹
              </button>
              <input
                type="number"
                aria-label="Sample index"
                min={0}
                max={lastIdx}
                value={sampleIdx}
                onChange={(event) => setSampleIdx(Math.min(lastIdx, Math.max(0, Number(event.target.value) || 0)))}
              />
              <button type="button" aria-label="Next sample" onClick={() => setSampleIdx((i) => Math.min(lastIdx, i + 1))} disabled={sampleIdx >= lastIdx}>
                ›
              </button>
            </div>
          </label>
        </div>
        <div className="panel stack grow">
          <ErrorNotice error={error} title="The prompt could not be built." />
          {!dataset ? (
            <div className="empty-state">
              <p className="muted">Open a dataset first; the prompt is shown for one of its samples.</p>
              <button type="button" onClick={() => navigate('datasets')}>
                Go to Datasets
              </button>
            </div>
          ) : preview ? (
            <>
              <div className="row spread">
                <h2>Prompt for sample {preview.sample.idx}</h2>
                <span className="badge" data-testid="token-count" title={preview.tokenCountNote ?? undefined}>
                  {preview.tokenCount === null ? 'token count unavailable' : `${preview.tokenCount} tokens`}
                </span>
              </div>
              {preview.tokenCountNote ? <p className="muted small">{preview.tokenCountNote}</p> : null}
              {preview.datasetWarning ? (
                <p className="notice notice-warn" role="note" data-testid="prompt-dataset-warning">
                  <strong>Different dataset format: </strong>
                  {preview.datasetWarning}. The run is allowed (as in CoTLab), but the prompt's wording may not fit these samples.
                </p>
              ) : null}
              <h3>System prompt</h3>
              <pre className="prompt-text">{preview.systemPrompt ?? '(none)'}</pre>
              <h3>Full input fed to the model</h3>
              <pre className="prompt-text tall" data-testid="prompt-text">
                {preview.fullText}
              </pre>
            </>
          ) : null}
        </div>
      </div>
    </section>
  );
}
