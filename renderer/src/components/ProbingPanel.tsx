import { useCallback, useEffect, useMemo, useState } from 'react';
import { MAX_PROBE_FOLDS, type ProbeLayerView, type ProbeTarget, type ProbeView } from '../../../src/contract/index.js';
import { formatDateTime } from '../format.js';
import { probeAccuracyFigure, probeConfusionFigure, probeTarget } from '../probe-charts.js';
import { formatP } from '../results-math.js';
import { useWorkbench } from '../workspace.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Plot } from './Plot.js';

/** A stored probe's identity in the list: its run and what it probed (a newer probe of both replaces it). */
function probeKey(probe: ProbeView): string {
  return `${probe.run.runName}\u0000${probe.labelField ?? ''}`;
}

function probeName(probe: ProbeView): string {
  return `${probe.run.runName} · ${probeTarget(probe)} · ${probe.folds} folds · ${formatDateTime(probe.createdAt)}`;
}

const score = (value: number) => value.toFixed(3);

/** Every layer of a probe: accuracy with its interval, the other scores, both baselines, selectivity and Holm p. */
function ProbeTable({ probe, layer, onLayer }: { probe: ProbeView; layer: number; onLayer: (layer: number) => void }) {
  const beyond = new Set(probe.layersBeyondChance);
  const level = Math.round(probe.confidenceLevel * 100);
  return (
    <div className="table-scroll probe-table-scroll">
      <table className="form-table probe-table" data-testid="probe-table">
        <thead>
          <tr>
            <th className="num">Layer</th>
            <th className="num">Accuracy [{level}% CI]</th>
            <th className="num">Balanced acc.</th>
            <th className="num">Macro-F1</th>
            <th className="num">Majority</th>
            <th className="num">Control</th>
            <th className="num">Selectivity</th>
            <th className="num">p (Holm)</th>
          </tr>
        </thead>
        <tbody>
          {probe.layers.map((entry) => (
            <tr key={entry.layer} className={entry.layer === layer ? 'chosen-row' : undefined} onClick={() => onLayer(entry.layer)} data-layer={entry.layer}>
              <td className="num">{entry.layer}</td>
              <td className="num">
                {score(entry.accuracy)} [{score(entry.accuracyCi.low)}–{score(entry.accuracyCi.high)}]
              </td>
              <td className="num">{score(entry.balancedAccuracy)}</td>
              <td className="num">{score(entry.macroF1)}</td>
              <td className="num">{score(entry.majorityAccuracy)}</td>
              <td className="num">{score(entry.controlAccuracy)}</td>
              <td className="num">{score(entry.selectivity)}</td>
              <td className={`num${beyond.has(entry.layer) ? ' significant' : ''}`}>
                {formatP(entry.pValueHolm)}
                {beyond.has(entry.layer) ? ' *' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The chosen layer at a glance, with what the table leaves out (raw p, the accuracy's standard error). */
function LayerFacts({ probe, entry }: { probe: ProbeView; entry: ProbeLayerView }) {
  const level = Math.round(probe.confidenceLevel * 100);
  const beyond = probe.layersBeyondChance.includes(entry.layer);
  const tags = [entry.layer === probe.bestLayer ? 'best layer' : null, entry.layer === probe.earliestWithinOneSe ? 'earliest within 1 SE' : null].filter(Boolean);
  return (
    <div className="stack" data-testid="probe-layer-facts">
      <h3>
        Layer {entry.layer}
        {tags.length > 0 ? ` (${tags.join(', ')})` : ''}
      </h3>
      <dl className="facts">
        <div>
          <dt>Accuracy [{level}% CI]</dt>
          <dd>
            {score(entry.accuracy)} [{score(entry.accuracyCi.low)}–{score(entry.accuracyCi.high)}], SE {score(entry.accuracySe)}
          </dd>
        </div>
        <div>
          <dt>Balanced accuracy · macro-F1</dt>
          <dd>
            {score(entry.balancedAccuracy)} · {score(entry.macroF1)}
          </dd>
        </div>
        <div>
          <dt>Majority class · control task</dt>
          <dd>
            {score(entry.majorityAccuracy)} · {score(entry.controlAccuracy)}
          </dd>
        </div>
        <div>
          <dt>Selectivity (accuracy − control)</dt>
          <dd>{score(entry.selectivity)}</dd>
        </div>
        <div>
          <dt>p (raw · Holm)</dt>
          <dd className={beyond ? 'significant' : undefined}>
            {formatP(entry.pValue)} · {formatP(entry.pValueHolm)}
            {beyond ? ' (beyond chance)' : ''}
          </dd>
        </div>
        {entry.unconvergedFits > 0 ? (
          <div>
            <dt>Fits that did not converge</dt>
            <dd>{entry.unconvergedFits}</dd>
          </div>
        ) : null}
      </dl>
    </div>
  );
}

/** One stored probe: its findings as stored, the accuracy chart, a layer's confusion matrix and the layer table. */
function ProbeResult({ probe }: { probe: ProbeView }) {
  const [chosen, setChosen] = useState<{ probe: ProbeView; layer: number } | null>(null);
  const layer = chosen?.probe === probe ? chosen.layer : probe.bestLayer;
  const onLayer = useCallback((picked: number) => setChosen({ probe, layer: picked }), [probe]);
  const accuracy = useMemo(() => probeAccuracyFigure(probe), [probe]);
  const confusion = useMemo(() => probeConfusionFigure(probe, layer), [probe, layer]);
  const best = probe.layers.find((entry) => entry.layer === probe.bestLayer);
  const chosenLayer = probe.layers.find((entry) => entry.layer === layer);
  const unconverged = probe.layers.reduce((sum, entry) => sum + entry.unconvergedFits, 0);
  return (
    <div className="stack" data-testid="probe-result">
      <p data-testid="probe-findings">
        <strong>Best layer {probe.bestLayer}</strong>
        {best ? ` (accuracy ${score(best.accuracy)})` : ''}; earliest within one standard error of it: <strong>layer {probe.earliestWithinOneSe}</strong>.{' '}
        {probe.layersBeyondChance.length === 0
          ? `No layer beyond chance (Holm-adjusted p ≥ ${probe.significanceLevel} at all ${probe.layers.length}).`
          : `${probe.layersBeyondChance.length} of ${probe.layers.length} layers beyond chance (Holm p < ${probe.significanceLevel}): ${probe.layersBeyondChance.join(', ')}.`}
      </p>
      <p className="muted small">
        {probe.samples} samples, classes {probe.classes.map((name, k) => `${name} (${probe.classCounts[k] ?? 0})`).join(', ')}. Logistic probe (L2, C by{' '}
        {probe.innerFolds}-fold nested CV), {probe.folds}-fold stratified CV, seed {String(probe.seed)}; band: {Math.round(probe.confidenceLevel * 100)}% bootstrap
        interval; control: labels shuffled within each training part; p: {probe.permutations} relabellings, Holm-adjusted over layers.
        {unconverged > 0 ? ` ${unconverged} fits did not converge.` : ''} Click a point for that layer’s confusion matrix.
      </p>
      <Plot figure={accuracy} title={`Probe accuracy by layer: ${probe.run.runName}, ${probeTarget(probe)}`} onLayerClick={onLayer} height={380} testId="plot-probe-accuracy" />
      <div className="plot-grid">
        <div className="stack">
          <label className="inline-label">
            Layer
            <select aria-label="Layer of the confusion matrix" value={layer} onChange={(event) => onLayer(Number(event.target.value))}>
              {probe.layers.map((entry) => (
                <option key={entry.layer} value={entry.layer}>
                  {entry.layer}
                </option>
              ))}
            </select>
          </label>
          {confusion ? <Plot figure={confusion} title={`Confusion matrix, layer ${layer}`} height={340} testId="plot-probe-confusion" /> : null}
        </div>
        {chosenLayer ? <LayerFacts probe={probe} entry={chosenLayer} /> : null}
      </div>
      <ProbeTable probe={probe} layer={layer} onLayer={onLayer} />
    </div>
  );
}

interface ProbeForm {
  runName: string;
  folds: number;
  /** '' : the dataset label. */
  labelField: string;
}

/**
 * Linear probes of an experiment's runs: pick a run, folds and what to probe, probe it (the engine reads the stored
 * vectors in threads of its own; Cancel withdraws the call), and read the stored probes, which the history keeps.
 */
export function ProbingPanel({ experimentId }: { experimentId: string }) {
  const { api } = useWorkbench();
  const [stored, setStored] = useState<{ experimentId: string; probes: ProbeView[]; targets: ProbeTarget[] } | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [form, setForm] = useState<ProbeForm | null>(null);
  const [shownKey, setShownKey] = useState<string | null>(null);
  const [busy, setBusy] = useState<{ runName: string; controller: AbortController } | null>(null);
  const [probeError, setProbeError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    setLoadError(null);
    api.call('experimentProbes', { experimentId }).then(
      (answer) => {
        if (current) setStored({ experimentId, ...answer });
      },
      (failure: unknown) => {
        if (current) setLoadError(failure);
      },
    );
    return () => {
      current = false;
    };
  }, [api, experimentId]);

  const current = stored?.experimentId === experimentId ? stored : null;
  const probeable = current?.targets.filter((target) => target.unavailable === null) ?? [];
  const chosen: ProbeForm | null = form ?? (probeable[0] ? { runName: probeable[0].runName, folds: 5, labelField: '' } : null);
  const target = current?.targets.find((candidate) => candidate.runName === chosen?.runName) ?? null;
  const shown = current?.probes.find((probe) => probeKey(probe) === shownKey) ?? current?.probes.at(-1) ?? null;
  const foldsValid = chosen !== null && Number.isInteger(chosen.folds) && chosen.folds >= 2 && chosen.folds <= MAX_PROBE_FOLDS;

  const start = async () => {
    if (chosen === null || busy !== null) return;
    const controller = new AbortController();
    setBusy({ runName: chosen.runName, controller });
    setProbeError(null);
    setNote(null);
    try {
      const { probe } = await api.call(
        'probeRun',
        { run: { experimentId, runName: chosen.runName }, folds: chosen.folds, labelField: chosen.labelField === '' ? null : chosen.labelField },
        { signal: controller.signal },
      );
      setStored((before) =>
        before === null || before.experimentId !== experimentId
          ? before
          : { ...before, probes: [...before.probes.filter((candidate) => probeKey(candidate) !== probeKey(probe)), probe] },
      );
      setShownKey(probeKey(probe));
    } catch (failure) {
      // A desktop (IPC) call cannot be withdrawn: the engine finishes that probe and stores it.
      if (controller.signal.aborted) setNote(api.desktop === null ? 'Cancelled: nothing was stored.' : 'Stopped waiting: the engine finishes this probe and keeps it with the experiment.');
      else setProbeError(failure);
    } finally {
      setBusy(null);
    }
  };

  const unavailable = current?.targets.filter((candidate) => candidate.unavailable !== null) ?? [];

  return (
    <div className="panel stack" data-testid="probing-panel">
      <h2>Probing</h2>
      <p className="muted small">
        Per layer, how well a linear classifier reads the label (or a metadata field) from the run’s stored per-sample vectors, against a majority-class
        baseline and a control task. No forward pass; each probe is kept with the experiment and appears in its exports.
      </p>
      <ErrorNotice error={loadError} title="The probes of this experiment could not be read." />
      {current && probeable.length === 0 ? (
        <p className="notice notice-info">No run of this experiment can be probed: {unavailable[0]?.unavailable ?? 'it has no runs'}.</p>
      ) : null}
      {chosen && probeable.length > 0 ? (
        <div className="row probe-form">
          <label className="inline-label">
            Run
            <select
              aria-label="Run to probe"
              value={chosen.runName}
              disabled={busy !== null}
              onChange={(event) => setForm({ ...chosen, runName: event.target.value, labelField: '' })}
            >
              {current?.targets.map((candidate) => (
                <option key={candidate.runName} value={candidate.runName} disabled={candidate.unavailable !== null}>
                  {candidate.runName}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-label">
            Folds
            <input
              type="number"
              className="narrow"
              aria-label="Cross-validation folds"
              min={2}
              max={MAX_PROBE_FOLDS}
              value={Number.isNaN(chosen.folds) ? '' : chosen.folds}
              aria-invalid={!foldsValid}
              disabled={busy !== null}
              onChange={(event) => setForm({ ...chosen, folds: event.target.valueAsNumber })}
            />
          </label>
          <label className="inline-label">
            Label
            <select
              aria-label="What to probe"
              value={chosen.labelField}
              disabled={busy !== null}
              onChange={(event) => setForm({ ...chosen, labelField: event.target.value })}
            >
              <option value="">dataset label</option>
              {(target?.metadataFields ?? []).map((field) => (
                <option key={field} value={field}>
                  metadata: {field}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="primary" disabled={busy !== null || !foldsValid} onClick={() => void start()}>
            Probe
          </button>
          {busy ? (
            <>
              <span className="row busy-note" role="status" data-testid="probe-busy">
                <span className="spinner" aria-hidden="true" />
                Probing {busy.runName}…
              </span>
              <button type="button" onClick={() => busy.controller.abort()}>
                Cancel
              </button>
            </>
          ) : null}
          {!foldsValid ? <span className="field-warning small">Folds: a whole number from 2 to {MAX_PROBE_FOLDS}.</span> : null}
        </div>
      ) : null}
      {note ? (
        <p className="muted small" role="status" data-testid="probe-note">
          {note}
        </p>
      ) : null}
      <ErrorNotice error={probeError} title="The run could not be probed." />
      {current && current.probes.length > 1 ? (
        <label className="inline-label">
          Stored probe
          <select aria-label="Stored probe to show" value={shown ? probeKey(shown) : ''} onChange={(event) => setShownKey(event.target.value)} className="pair-select">
            {current.probes.map((probe) => (
              <option key={probeKey(probe)} value={probeKey(probe)}>
                {probeName(probe)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {shown ? (
        <ProbeResult probe={shown} />
      ) : current && probeable.length > 0 ? (
        <p className="muted" data-testid="no-probes">
          No run of this experiment has been probed yet.
        </p>
      ) : null}
    </div>
  );
}
