import { useState } from 'react';
import type { ClusterPlanSummary, ExperimentRequest, MergedPlan } from '../../../src/contract/index.js';
import type { WorkbenchApi } from '../workbench-api.js';
import { ErrorNotice } from './ErrorNotice.js';

/** A folder path typed in (serve mode: under the output root), or picked in a native dialog on the desktop. */
function FolderField({ label, value, onChange, pick, testId }: { label: string; value: string; onChange: (path: string) => void; pick: (() => Promise<string | null>) | null; testId: string }) {
  return (
    <div className="row">
      <label className="grow">
        {label}
        <input type="text" value={value} onChange={(event) => onChange(event.target.value)} placeholder="/shared/me/plans/my-sweep" data-testid={testId} />
      </label>
      {pick ? (
        <button type="button" onClick={() => void pick().then((chosen) => chosen !== null && onChange(chosen))}>
          Choose folder…
        </button>
      ) : null}
    </div>
  );
}

/**
 * "Plan for a cluster…": writes the draft experiment as a cluster plan (cotlab-wb plan), to be computed by Slurm
 * array tasks and merged back with "Import merged plan…" on History.
 */
export function PlanForClusterPanel({ api, request }: { api: WorkbenchApi; request: ExperimentRequest | null }) {
  const [dir, setDir] = useState('');
  const [shards, setShards] = useState(4);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [plan, setPlan] = useState<ClusterPlanSummary | null>(null);

  const write = async () => {
    if (request === null) return;
    setBusy(true);
    setError(null);
    setPlan(null);
    try {
      setPlan(await api.call('planForCluster', { experiment: request, shards, dir }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="cluster-panel" data-testid="plan-for-cluster">
      <summary>Plan for a cluster…</summary>
      <div className="stack">
        <p className="muted small">
          Writes this experiment as a plan for a Slurm cluster: every variant's samples drawn as a run here would draw them, the model and dataset files
          fingerprinted, the samples split into shards. Nothing is computed. Put the plan and the model folder on storage the cluster's nodes see.
        </p>
        <FolderField label="Plan folder (empty or new)" value={dir} onChange={setDir} pick={api.desktop ? () => api.desktop?.choosePlanFolder() ?? Promise.resolve(null) : null} testId="plan-folder" />
        <div className="row">
          <label>
            Shards (Slurm array tasks)
            <input className="narrow" type="number" min={1} value={shards} onChange={(event) => setShards(Number(event.target.value))} data-testid="plan-shards" />
          </label>
          <button type="button" onClick={() => void write()} disabled={request === null || busy || dir.trim() === ''}>
            Write plan
          </button>
        </div>
        <ErrorNotice error={error} title="The plan could not be written." />
        {plan ? (
          <div className="notice notice-info" data-testid="plan-written">
            <p>
              Plan written to <code>{plan.planDir}</code>: {plan.samples} samples in {plan.shardSizes.length} shards of {Math.min(...plan.shardSizes)}–{Math.max(...plan.shardSizes)}.
              On the cluster's login node, submit it and follow it with:
            </p>
            <ul>
              {plan.commands.map((command) => (
                <li key={command}>
                  <code>{command}</code>
                </li>
              ))}
            </ul>
            <p>When its merge job has finished, or to merge here once the shards are computed, use History → Import merged plan….</p>
          </div>
        ) : null}
      </div>
    </details>
  );
}

/** "Import merged plan…": merges a computed cluster plan's shards into the history (cotlab-wb merge). */
export function ImportMergedPlanPanel({ api, onImported }: { api: WorkbenchApi; onImported: (experimentId: string) => void }) {
  const [dir, setDir] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [merged, setMerged] = useState<MergedPlan | null>(null);

  const merge = async () => {
    setBusy(true);
    setError(null);
    setMerged(null);
    try {
      const answer = await api.call('importMergedPlan', { dir });
      setMerged(answer);
      onImported(answer.experimentId);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="cluster-panel" data-testid="import-merged-plan">
      <summary>Import merged plan…</summary>
      <div className="stack">
        <p className="muted small">
          Merges the shards of a cluster plan (its <code>shards/</code> folder) into the history as one experiment and writes its report. Every planned
          sample must be there exactly once, from shards of this plan and model.
        </p>
        <FolderField label="Plan folder" value={dir} onChange={setDir} pick={api.desktop ? () => api.desktop?.openPlanFolder() ?? Promise.resolve(null) : null} testId="merge-folder" />
        <div className="row">
          <button type="button" onClick={() => void merge()} disabled={busy || dir.trim() === ''}>
            {busy ? 'Merging…' : 'Merge into the history'}
          </button>
        </div>
        <ErrorNotice error={error} title="The plan could not be merged." />
        {merged ? (
          <p className="notice notice-info" data-testid="plan-merged">
            Experiment {merged.experimentId}: computed on {merged.computedOn}. Report in <code>{merged.reportDir}</code>.
          </p>
        ) : null}
      </div>
    </details>
  );
}
