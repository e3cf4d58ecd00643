import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appVersion, projectRoot } from '../app-info.js';
import { composeConfig } from '../config/compose.js';
import { ConfigError } from '../config/errors.js';
import { listGroupOptions, loadGroupOption } from '../config/groups.js';
import { PromptSpecSchema, type PromptSpec, type ResolvedConfig } from '../config/schemas.js';
import { readYamlFile } from '../config/yaml-file.js';
import { DatasetError } from '../datasets/errors.js';
import { loadDataset } from '../datasets/load-dataset.js';
import type { LoadedDataset } from '../datasets/sample.js';
import { DatasetSpecSchema, type DatasetSpec } from '../datasets/spec.js';
import { compareRuns, type RunMeans } from '../experiments/metrics.js';
import { ModelError } from '../model/errors.js';
import { inspectModelDir } from '../model/model-dir.js';
import { loadPromptTokenizer, type PromptTokenizer } from '../model/tokenizer.js';
import { PromptStrategyError } from '../prompts/errors.js';
import { loadPromptStrategy, strategyFilePath } from '../prompts/strategy.js';
import { defaultDbPath } from '../store/default-db-path.js';
import type { HistoryStore } from '../store/history-store.js';
import { openHistoryStore } from '../store/open-store.js';
import { StoreError } from '../store/store-error.js';
import type { ApiRequest, ApiResponse, ComparisonView, DatasetEntry, ProgressEvent, ResultSet, RunView } from './contract.js';
import { datasetColumns } from './dataset-columns.js';
import { EngineRequestError, type EnginePort } from './engine-port.js';
import { datasetSpecFor, experimentConfig, promptSpecFor, type ConfigOptions } from './experiment-config.js';
import { ExperimentRuns } from './experiment-runs.js';
import { inspectModelFolder } from './model-facts.js';
import { resultsCsv, resultsHtml } from './report-export.js';
import { resultSetFromStore, runView, summaryFromListItem } from './result-view.js';

/** Where the engine finds its configs and data and keeps its history, caches, uploads and report folders. */
export interface EngineOptions {
  /** Installation root: relative dataset and model paths in configs/ resolve against it. */
  root: string;
  configDir: string;
  cacheDir: string;
  dbPath: string;
  /** Files dropped into the browser are stored here. */
  uploadDir: string;
  /** Report folders are created under it, in CoTLab's outputs/YYYY-MM-DD/HH-MM-SS_... layout. */
  outputRoot: string;
  /** Recorded in reports and the history. */
  appVersion: string;
}

/** The default locations, overridable with COTLAB_WB_ROOT, COTLAB_WB_CACHE and COTLAB_WB_DB like the CLI. */
export function defaultEngineOptions(env: NodeJS.ProcessEnv = process.env): EngineOptions {
  const root = env['COTLAB_WB_ROOT'] ? path.resolve(env['COTLAB_WB_ROOT']) : projectRoot;
  const cacheDir = env['COTLAB_WB_CACHE'] ? path.resolve(env['COTLAB_WB_CACHE']) : path.join(root, '.cache');
  return {
    root,
    configDir: path.join(root, 'configs'),
    cacheDir,
    dbPath: defaultDbPath(env),
    uploadDir: path.join(cacheDir, 'uploads'),
    outputRoot: root,
    appVersion: appVersion(),
  };
}

/** The real engine behind the workbench UI: configs, datasets, prompts, model host, runs, history and reports. */
export function createEngine(options: EngineOptions): EnginePort {
  const store: HistoryStore = openHistoryStore(options.dbPath);
  const listeners = new Set<(event: ProgressEvent) => void>();
  const runs = new ExperimentRuns(
    { configDir: options.configDir, dataRoot: options.root, cacheDir: options.cacheDir, outputRoot: options.outputRoot, outDir: null, appVersion: options.appVersion },
    store,
    (event) => listeners.forEach((listener) => listener(event)),
  );
  const tokenizers = new Map<string, PromptTokenizer>();
  const datasetCache = new Map<string, LoadedDataset>();

  const baseConfig = (): ResolvedConfig => composeConfig({ configDir: options.configDir, overrides: [] });

  function configOptions(): ConfigOptions {
    const datasets = new Map<string, DatasetSpec>();
    for (const option of listGroupOptions(options.configDir, 'dataset')) {
      const spec = DatasetSpecSchema.parse(loadGroupOption(options.configDir, { group: 'dataset', option }, { path: 'dataset', override: null }));
      datasets.set(spec.name, spec);
    }
    const prompts = new Map<string, PromptSpec>();
    for (const option of listGroupOptions(options.configDir, 'prompt')) {
      const spec = PromptSpecSchema.parse(loadGroupOption(options.configDir, { group: 'prompt', option }, { path: 'prompt', override: null }));
      prompts.set(spec.name, spec);
    }
    return { datasets, prompts };
  }

  /** Datasets are re-read only when their spec changes; a preview page or prompt preview is then instant. */
  function dataset(spec: DatasetSpec): LoadedDataset {
    const key = JSON.stringify(spec);
    const cached = datasetCache.get(key);
    if (cached) return cached;
    const loaded = loadDataset(spec, options.root);
    if (datasetCache.size >= 6) datasetCache.delete(datasetCache.keys().next().value as string);
    datasetCache.set(key, loaded);
    return loaded;
  }

  function modelDirOf(requested: string | null): string {
    return requested === null ? path.resolve(options.root, baseConfig().model.path) : path.resolve(requested);
  }

  function experimentId(id: string): number {
    return store.resolveExperimentRef(id);
  }

  function storedResultSet(id: number): ResultSet {
    const detail = store.getExperiment(id);
    const means = new Map(detail.runs.map((run) => [run.id, store.getRunMeans(run.id)]));
    return resultSetFromStore(detail, means, store.getComparisons(id));
  }

  const calls = {
    async listDatasets(): Promise<ApiResponse<'listDatasets'>> {
      const datasets: DatasetEntry[] = [...configOptions().datasets.values()].map((spec) => ({
        name: spec.name,
        format: spec.format,
        path: spec.path,
        description: leadingComment(path.join(options.configDir, 'dataset', `${spec.name}.yaml`)),
      }));
      return { datasets };
    },

    async loadDatasetPreview(request: ApiRequest<'loadDatasetPreview'>): Promise<ApiResponse<'loadDatasetPreview'>> {
      const spec = datasetSpecFor(request.source, configOptions());
      const file = path.resolve(options.root, spec.path);
      const columns = spec.format === 'delimited' ? datasetColumns(file, spec.delimiter) : [];
      if (spec.format === 'delimited' && spec.text_column === null) {
        return { name: spec.name, path: file, format: spec.format, totalSamples: 0, columns, offset: 0, rows: [], source: request.source };
      }
      const loaded = dataset(spec);
      return {
        name: loaded.name,
        path: loaded.path,
        format: spec.format,
        totalSamples: loaded.samples.length,
        columns,
        offset: request.offset,
        rows: loaded.samples.slice(request.offset, request.offset + request.limit),
        source: request.source,
      };
    },

    async uploadDataset(request: ApiRequest<'uploadDataset'>): Promise<ApiResponse<'uploadDataset'>> {
      mkdirSync(options.uploadDir, { recursive: true });
      const safeName = path.basename(request.fileName).replace(/[^A-Za-z0-9_.-]+/g, '_');
      const stored = path.join(options.uploadDir, `${Date.now()}-${safeName}`);
      writeFileSync(stored, request.content, 'utf8');
      return { path: stored };
    },

    async listPrompts(): Promise<ApiResponse<'listPrompts'>> {
      return {
        prompts: [...configOptions().prompts.values()].map((spec) => ({
          name: spec.name,
          description: strategyDescription(spec, options.configDir),
          defaults: {
            fewShot: spec.few_shot,
            answerFirst: spec.answer_first,
            contrarian: spec.contrarian,
            outputFormat: spec.output_format,
          },
          outputFormats: ['json', 'yaml', 'toml', 'xml', 'markdown', 'plain'],
        })),
      };
    },

    async previewPrompt(request: ApiRequest<'previewPrompt'>): Promise<ApiResponse<'previewPrompt'>> {
      const settings = configOptions();
      const loaded = dataset(datasetSpecFor(request.dataset, settings));
      const sample = loaded.samples[request.sampleIdx];
      if (!sample) {
        throw new EngineRequestError(`Sample ${request.sampleIdx} does not exist: ${loaded.name} has ${loaded.samples.length} samples (0–${loaded.samples.length - 1}).`, 'bad_request');
      }
      const strategy = loadPromptStrategy(promptSpecFor(request.prompt, settings), options.configDir);
      const fullText = strategy.fullInput(sample, baseConfig().experiment.answer_cue);
      let tokenCount: number | null = null;
      let tokenCountNote: string | null = null;
      try {
        const dir = modelDirOf(request.modelDir);
        let tokenizer = tokenizers.get(dir);
        if (!tokenizer) {
          const modelDir = inspectModelDir(dir);
          tokenizer = loadPromptTokenizer(modelDir.tokenizerPath, modelDir.tokenizerConfigPath);
          tokenizers.set(dir, tokenizer);
        }
        tokenCount = tokenizer.encode(fullText).length;
      } catch (error) {
        tokenCountNote = `No token count: ${error instanceof Error ? error.message : String(error)}`;
      }
      return { systemPrompt: strategy.systemPrompt(), prompt: strategy.buildPrompt(sample), fullText, tokenCount, tokenCountNote, sample };
    },

    async inspectModel(request: ApiRequest<'inspectModel'>): Promise<ApiResponse<'inspectModel'>> {
      return inspectModelFolder(modelDirOf(request.dir), options.cacheDir);
    },

    async startExperiment(request: ApiRequest<'startExperiment'>): Promise<ApiResponse<'startExperiment'>> {
      return { runId: runs.start(experimentConfig(request, baseConfig(), configOptions())) };
    },

    async cancelExperiment(request: ApiRequest<'cancelExperiment'>): Promise<ApiResponse<'cancelExperiment'>> {
      return { cancelled: runs.cancel(request.runId) };
    },

    async experimentStatus(request: ApiRequest<'experimentStatus'>): Promise<ApiResponse<'experimentStatus'>> {
      return runs.status(request.runId);
    },

    async listExperiments(request: ApiRequest<'listExperiments'>): Promise<ApiResponse<'listExperiments'>> {
      const page = store.listExperiments({ limit: request.limit, offset: request.offset, search: request.search, status: request.status });
      return { items: page.items.map(summaryFromListItem), total: page.total };
    },

    async getExperiment(request: ApiRequest<'getExperiment'>): Promise<ApiResponse<'getExperiment'>> {
      return storedResultSet(experimentId(request.id));
    },

    async deleteExperiment(request: ApiRequest<'deleteExperiment'>): Promise<ApiResponse<'deleteExperiment'>> {
      return { deleted: store.deleteExperiment(experimentId(request.id)) };
    },

    async compareRuns(request: ApiRequest<'compareRuns'>): Promise<ApiResponse<'compareRuns'>> {
      const picked = request.runs.map((ref) => {
        const detail = store.getExperiment(experimentId(ref.experimentId));
        const run = detail.runs.find((candidate) => candidate.name === ref.runName);
        if (!run) throw new EngineRequestError(`Experiment ${ref.experimentId} has no run "${ref.runName}".`, 'not_found');
        return { detail, run, means: store.getRunMeans(run.id) };
      });
      const views: RunView[] = picked.map(({ detail, run, means }) => runView(detail.id, run, means, true, detail.pooling ?? 'last_token'));
      const vectors: RunMeans[] = picked.map(({ means }, i) => {
        const meanByLayer = new Map<number, Float32Array>();
        for (const mean of means) {
          if (mean.mean === null) {
            throw new EngineRequestError(`Run ${views[i]?.label ?? ''} was imported from CoTLab and has no mean vectors to compare.`, 'bad_request');
          }
          meanByLayer.set(mean.layer, mean.mean);
        }
        return { name: views[i]?.label ?? '', layerIndices: means.map((mean) => mean.layer), meanByLayer };
      });
      const comparisons: ComparisonView[] = [];
      for (let a = 0; a < vectors.length; a++) {
        for (let b = a + 1; b < vectors.length; b++) {
          const computed = compareRuns(vectors[a] as RunMeans, vectors[b] as RunMeans, true);
          comparisons.push({
            runA: computed.run_a,
            runB: computed.run_b,
            layerIndices: computed.layer_indices,
            meanCosineSimilarity: computed.mean_cosine_similarity,
            meanL2Distance: computed.mean_l2_distance,
            layerCosineSimilarity: computed.layer_cosine_similarity ?? [],
            layerL2Distance: computed.layer_l2_distance ?? [],
            cosineBand: null,
            l2Band: null,
          });
        }
      }
      return { experiment: null, runs: views, comparisons };
    },

    async exportReport(request: ApiRequest<'exportReport'>): Promise<ApiResponse<'exportReport'>> {
      const id = experimentId(request.experimentId);
      const detail = store.getExperiment(id);
      const stem = `experiment-${detail.id}`;
      if (request.format === 'markdown' || request.format === 'json') {
        if (detail.outputDir === null) {
          throw new EngineRequestError(`Experiment ${detail.id} has no report folder (it did not complete); export HTML or CSV instead.`, 'not_found');
        }
        const file = request.format === 'markdown' ? 'EXPERIMENT.md' : 'results.json';
        return {
          fileName: request.format === 'markdown' ? `${stem}-EXPERIMENT.md` : `${stem}-results.json`,
          mimeType: request.format === 'markdown' ? 'text/markdown' : 'application/json',
          content: readFileSync(path.join(detail.outputDir, file), 'utf8'),
        };
      }
      const result = storedResultSet(id);
      if (request.format === 'csv') return { fileName: `${stem}-layers.csv`, mimeType: 'text/csv', content: resultsCsv(result) };
      const title = `Activation Compare: ${detail.runs.map((run) => run.name).join(' vs ')}`;
      return { fileName: `${stem}.html`, mimeType: 'text/html', content: resultsHtml(result, title) };
    },
  };

  const guarded = Object.fromEntries(
    Object.entries(calls).map(([name, call]) => [
      name,
      async (request: never) => {
        try {
          return await (call as (request: never) => Promise<unknown>)(request);
        } catch (error) {
          throw asRequestError(error);
        }
      },
    ]),
  ) as typeof calls;

  return {
    ...guarded,
    subscribeProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      runs.cancelAll();
      store.close();
    },
  };
}

/** Input problems (a bad file, config or model folder) are the researcher's to fix: say so, with their context. */
function asRequestError(error: unknown): unknown {
  if (error instanceof EngineRequestError) return error;
  if (error instanceof DatasetError || error instanceof ConfigError || error instanceof PromptStrategyError || error instanceof ModelError) {
    return new EngineRequestError(error.message, 'bad_request');
  }
  if (error instanceof StoreError && error.reason === 'not-found') return new EngineRequestError(error.message, 'not_found');
  return error;
}

/** The first comment line of a config option file: its one-line description. */
function leadingComment(file: string): string | null {
  try {
    const lines = readFileSync(file, 'utf8').split('\n');
    const end = lines.findIndex((text) => !text.startsWith('#'));
    const comment = lines.slice(0, end < 0 ? lines.length : end).map((text) => text.replace(/^#\s*/, '')).join(' ').trim();
    return comment === '' ? null : comment;
  } catch {
    return null;
  }
}

function strategyDescription(spec: PromptSpec, configDir: string): string | null {
  try {
    const data = readYamlFile(strategyFilePath(spec, configDir));
    const description = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['description'] : null;
    return typeof description === 'string' ? description : null;
  } catch {
    return null;
  }
}
