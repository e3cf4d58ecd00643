import { z } from 'zod';
import {
  ComparisonModeSchema,
  DatasetSourceSchema,
  ExperimentKindSchema,
  HookPointSchema,
  LabelCountSchema,
  PoolingSchema,
  ProgressEventSchema,
  PromptChoiceSchema,
  RunRefSchema,
  type ProgressEvent,
  type ResultSet,
  type RunRef,
} from '../../src/contract/index.js';
import type { OpenDataset } from './dataset-choices.js';
import type { ExperimentDraft } from './experiment-draft.js';
import type { Workspace } from './workspace.js';

/** Where the workspace is kept in the browser (per origin: one serve address, or the desktop app). */
export const WORKSPACE_STORAGE_KEY = 'cotlab-workbench.workspace';
/** Raised when the stored layout changes; an older layout is dropped, never misread. */
export const WORKSPACE_VERSION = 2;

const OpenDatasetSchema = z
  .object({
    key: z.string().min(1),
    label: z.string().min(1),
    source: DatasetSourceSchema,
    totalSamples: z.number().int().min(1),
    labels: z.array(LabelCountSchema),
  })
  .strict() satisfies z.ZodType<OpenDataset>;

const ExperimentDraftSchema = z
  .object({
    experimentType: ExperimentKindSchema,
    recordAnswers: z.boolean(),
    generation: z.object({ maxNewTokens: z.string(), doSample: z.boolean(), temperature: z.string(), topP: z.string(), seed: z.string() }).strict().nullable(),
    topK: z.string(),
    answerCue: z.string().nullable(),
    variants: z.array(
      z.object({ name: z.string(), dataset: DatasetSourceSchema, prompt: PromptChoiceSchema, numSamples: z.string(), seed: z.string() }).strict(),
    ),
    layers: z.string(),
    pooling: PoolingSchema,
    comparisonMode: ComparisonModeSchema,
    hook: HookPointSchema,
    maxInputTokens: z.string(),
  })
  .strict() satisfies z.ZodType<ExperimentDraft>;

/** The result on the Results screen, by reference: it is read again from the history on load. */
const OpenResultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('experiment'), id: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('comparison'), runs: z.array(RunRefSchema).min(2) }).strict(),
]);
export type OpenResult = z.infer<typeof OpenResultSchema>;

/** The parts of the workspace kept over a reload or a restart of the server. */
export interface PersistedWorkspace {
  datasets: OpenDataset[];
  activeDatasetKey: string | null;
  promptChoice: Workspace['promptChoice'];
  promptTarget: number;
  modelDir: string | null;
  experimentDraft: ExperimentDraft | null;
  /** The last progress of the run on screen; an active one is asked for again on load. */
  run: ProgressEvent | null;
  draftRunId: string | null;
  openResult: OpenResult | null;
}

export const emptyPersistedWorkspace: PersistedWorkspace = {
  datasets: [],
  activeDatasetKey: null,
  promptChoice: null,
  promptTarget: 0,
  modelDir: null,
  experimentDraft: null,
  run: null,
  draftRunId: null,
  openResult: null,
};

/** The result set as a reference the history can answer again. */
export function openResultOf(results: ResultSet | null): OpenResult | null {
  if (results === null) return null;
  if (results.experiment !== null) return { kind: 'experiment', id: results.experiment.id };
  const runs: RunRef[] = results.runs.map((run) => run.ref);
  return runs.length >= 2 ? { kind: 'comparison', runs } : null;
}

export function persistedPartOf(workspace: Workspace): PersistedWorkspace {
  return {
    datasets: workspace.datasets,
    activeDatasetKey: workspace.activeDatasetKey,
    promptChoice: workspace.promptChoice,
    promptTarget: workspace.promptTarget,
    modelDir: workspace.modelDir,
    experimentDraft: workspace.experimentDraft,
    run: workspace.run,
    draftRunId: workspace.draftRunId,
    openResult: openResultOf(workspace.results),
  };
}

/** The value when it fits the schema, else the fallback: one part that no longer validates does not take the others with it. */
function valid<T>(schema: z.ZodType<T>, value: unknown, fallback: T): T {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : fallback;
}

/**
 * The stored workspace, each part checked with the contract's schemas: what no longer validates (an older layout,
 * a hand-edited value, a source this version does not know) is dropped, the rest is kept.
 */
export function parsePersistedWorkspace(text: string | null): PersistedWorkspace {
  if (text === null) return emptyPersistedWorkspace;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return emptyPersistedWorkspace;
  }
  if (raw === null || typeof raw !== 'object' || (raw as { version?: unknown }).version !== WORKSPACE_VERSION) return emptyPersistedWorkspace;
  const stored = raw as Record<string, unknown>;
  const datasets = Array.isArray(stored['datasets'])
    ? stored['datasets'].flatMap((entry) => {
        const parsed = OpenDatasetSchema.safeParse(entry);
        return parsed.success ? [parsed.data] : [];
      })
    : [];
  const activeDatasetKey = valid(z.string().nullable(), stored['activeDatasetKey'], null);
  return {
    datasets,
    activeDatasetKey: datasets.some((dataset) => dataset.key === activeDatasetKey) ? activeDatasetKey : null,
    promptChoice: valid(PromptChoiceSchema.nullable(), stored['promptChoice'], null),
    promptTarget: valid(z.number().int().nonnegative(), stored['promptTarget'], 0),
    modelDir: valid(z.string().min(1).nullable(), stored['modelDir'], null),
    experimentDraft: valid(ExperimentDraftSchema.nullable(), stored['experimentDraft'], null),
    run: valid(ProgressEventSchema.nullable(), stored['run'], null),
    draftRunId: valid(z.string().min(1).nullable(), stored['draftRunId'], null),
    openResult: valid(OpenResultSchema.nullable(), stored['openResult'], null),
  };
}

export function serializePersistedWorkspace(persisted: PersistedWorkspace): string {
  return JSON.stringify({ version: WORKSPACE_VERSION, ...persisted });
}
