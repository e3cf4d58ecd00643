import { createContext, useContext } from 'react';
import type { DatasetEntry, ExperimentDefaults, ModelInspection, PromptChoice, PromptStrategyInfo, ProgressEvent, ResultSet } from '../../src/contract/index.js';
import type { WorkbenchApi } from './workbench-api.js';
import type { OpenDataset } from './dataset-choices.js';
import type { ExperimentDraft } from './experiment-draft.js';

export type { OpenDataset } from './dataset-choices.js';

export type ScreenId = 'datasets' | 'prompts' | 'model' | 'experiment' | 'results' | 'history' | 'export';

/** What the screens share; each screen keeps its own transient form state. persisted-workspace.ts keeps it over reloads. */
export interface Workspace {
  /** Files opened on the Datasets screen that load with samples (bundled datasets are always offered). */
  datasets: OpenDataset[];
  activeDatasetKey: string | null;
  /** The bundled datasets, with their measured counts. */
  bundled: DatasetEntry[];
  prompts: PromptStrategyInfo[];
  /** The Prompts screen's choice, previewed and applied to the variant at promptTarget. */
  promptChoice: PromptChoice | null;
  promptTarget: number;
  modelDir: string | null;
  model: ModelInspection | null;
  /** The experiment the configs describe, from the engine: a new draft and a new variant start from it. */
  defaults: ExperimentDefaults | null;
  experimentDraft: ExperimentDraft | null;
  run: ProgressEvent | null;
  /** The run started from the draft (any other run shown is a resumed experiment). */
  draftRunId: string | null;
  results: ResultSet | null;
}

export const emptyWorkspace: Workspace = {
  datasets: [],
  activeDatasetKey: null,
  bundled: [],
  prompts: [],
  promptChoice: null,
  promptTarget: 0,
  modelDir: null,
  model: null,
  defaults: null,
  experimentDraft: null,
  run: null,
  draftRunId: null,
  results: null,
};

export interface WorkbenchContextValue {
  api: WorkbenchApi;
  workspace: Workspace;
  update(change: Partial<Workspace> | ((current: Workspace) => Partial<Workspace>)): void;
  navigate(screen: ScreenId): void;
}

export const WorkbenchContext = createContext<WorkbenchContextValue | null>(null);

export function useWorkbench(): WorkbenchContextValue {
  const value = useContext(WorkbenchContext);
  if (value === null) throw new Error('useWorkbench must be used inside the workbench shell.');
  return value;
}
