import { createContext, useContext } from 'react';
import type {
  DatasetPreview,
  DatasetSource,
  ModelInspection,
  PromptChoice,
  PromptStrategyInfo,
  ProgressEvent,
  ResultSet,
} from '../../src/contract/index.js';
import type { WorkbenchApi } from './workbench-api.js';
import type { ExperimentDraft } from './experiment-draft.js';

/** A dataset opened in this session, as the other screens offer it. */
export interface OpenDataset {
  key: string;
  label: string;
  source: DatasetSource;
  totalSamples: number;
}

export type ScreenId = 'datasets' | 'prompts' | 'model' | 'experiment' | 'results' | 'history' | 'export';

/** What the screens share during a session; each screen keeps its own transient form state. */
export interface Workspace {
  datasets: OpenDataset[];
  activeDatasetKey: string | null;
  prompts: PromptStrategyInfo[];
  promptChoice: PromptChoice | null;
  modelDir: string | null;
  model: ModelInspection | null;
  experimentDraft: ExperimentDraft | null;
  run: ProgressEvent | null;
  results: ResultSet | null;
}

export const emptyWorkspace: Workspace = {
  datasets: [],
  activeDatasetKey: null,
  prompts: [],
  promptChoice: null,
  modelDir: null,
  model: null,
  experimentDraft: null,
  run: null,
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

/** Adds (or refreshes) an opened dataset and makes it the active one. */
export function withDataset(workspace: Workspace, preview: DatasetPreview): Partial<Workspace> {
  const key = preview.source.kind === 'bundled' ? `bundled:${preview.source.name}` : `file:${preview.source.path}`;
  const entry: OpenDataset = { key, label: preview.name, source: preview.source, totalSamples: preview.totalSamples };
  const others = workspace.datasets.filter((dataset) => dataset.key !== key);
  return { datasets: [...others, entry], activeDatasetKey: key };
}
