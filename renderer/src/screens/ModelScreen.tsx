import { useCallback, useEffect, useState } from 'react';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { useWorkbench } from '../workspace.js';

export function ModelScreen() {
  const { api, workspace, update } = useWorkbench();
  const [dirInput, setDirInput] = useState(workspace.modelDir ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const inspect = useCallback(
    async (dir: string | null) => {
      setBusy(true);
      setError(null);
      try {
        const model = await api.call('inspectModel', { dir });
        update({ model, modelDir: dir });
      } catch (failure) {
        setError(failure);
      } finally {
        setBusy(false);
      }
    },
    [api, update],
  );

  useEffect(() => {
    if (workspace.model === null) void inspect(workspace.modelDir);
  }, [inspect, workspace.model, workspace.modelDir]);

  const chooseFolder = async () => {
    const dir = await api.desktop?.openModelFolder();
    if (dir) {
      setDirInput(dir);
      void inspect(dir);
    }
  };

  const model = workspace.model;
  const facts: [string, string | number | null][] = model
    ? [
        ['Folder', model.dir],
        ['Model type', model.modelType],
        ['Decoder layers', model.numLayers],
        ['Hidden size', model.hiddenSize],
        ['Activation dtype', model.dtype],
        ['Quantization', model.quantization],
        ['Export style', model.exportStyle],
        ['Opset', model.opset],
        ['Decoder graph', model.graphFile],
        ['Embedding graph', model.embeddingFile ?? (model.graphFile ? 'none (the decoder embeds the tokens)' : null)],
        ['External weights', model.externalDataFiles.length > 0 ? model.externalDataFiles.join(', ') : model.graphFile ? 'none (inside the graph file)' : null],
        ['Runs on', model.executionProvider === null ? null : model.executionProvider.toUpperCase()],
      ]
    : [];

  return (
    <section className="screen" aria-labelledby="model-title">
      <header className="screen-header">
        <h1 id="model-title">Model</h1>
        <p className="muted">Choose the ONNX decoder whose residual stream you want to capture.</p>
      </header>
      <div className="two-column">
        <div className="panel stack">
          {api.desktop ? (
            <button type="button" onClick={() => void chooseFolder()}>
              Choose model folder…
            </button>
          ) : null}
          <form
            className="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              void inspect(dirInput.trim() === '' ? null : dirInput.trim());
            }}
          >
            <label htmlFor="model-dir">Model folder (empty: bundled demo model)</label>
            <div className="row">
              <input id="model-dir" value={dirInput} onChange={(event) => setDirInput(event.target.value)} placeholder="/models/medgemma-4b-onnx" />
              <button type="submit" disabled={busy}>
                Inspect
              </button>
            </div>
          </form>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDirInput('');
              void inspect(null);
            }}
          >
            Use the bundled demo model
          </button>
        </div>
        <div className="panel stack grow">
          <ErrorNotice error={error} title="The folder could not be inspected." />
          {busy ? <p className="muted" role="status">Inspecting…</p> : null}
          {model ? (
            <>
              <div className="row spread">
                <h2>{model.ok ? 'Ready to capture' : 'Not usable yet'}</h2>
                <span className={`badge ${model.ok ? 'badge-ok' : 'badge-warn'}`} data-testid="model-status">
                  {model.ok ? 'OK' : 'Problems found'}
                </span>
              </div>
              {model.demoModel ? (
                <p className="notice notice-info">
                  This is the bundled demo model: its weights are random, so its numbers show how the workbench works, not how a real model behaves.
                </p>
              ) : null}
              <dl className="facts" data-testid="model-facts">
                {facts.map(([label, value]) => (
                  <div key={label}>
                    <dt>{label}</dt>
                    <dd>{value ?? <span className="muted">unknown</span>}</dd>
                  </div>
                ))}
              </dl>
              {model.exportStyleDescription ? <p className="muted small">{model.exportStyleDescription}</p> : null}
              {model.executionProviderNote ? <p className="muted small">{model.executionProviderNote}</p> : null}
              {model.hookTensors.length > 0 ? (
                <details className="hook-tensors">
                  <summary>Captured tensor of every layer</summary>
                  <div className="grid-scroll">
                    <table className="form-table" aria-label="Hook tensors" data-testid="hook-tensors">
                      <thead>
                        <tr>
                          <th>Layer</th>
                          <th>Residual stream (resid_post)</th>
                          <th>CoTLab hook point</th>
                        </tr>
                      </thead>
                      <tbody>
                        {model.hookTensors.map((hooks) => (
                          <tr key={hooks.layer}>
                            <td>{hooks.layer}</td>
                            <td>
                              <code>{hooks.residPost ?? '–'}</code>
                            </td>
                            <td>
                              <code>{hooks.cotlab ?? '–'}</code>
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </details>
              ) : null}
              {model.problems.length > 0 ? (
                <div className={`notice ${model.ok ? 'notice-info' : 'notice-error'}`} role={model.ok ? 'note' : 'alert'}>
                  <strong>{model.ok ? 'Good to know' : 'What is wrong'}</strong>
                  <ul>
                    {model.problems.map((problem) => (
                      <li key={problem}>{problem}</li>
                    ))}
                  </ul>
                </div>
              ) : null}
            </>
          ) : null}
        </div>
      </div>
    </section>
  );
}
