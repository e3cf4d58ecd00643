import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { OUTPUT_FORMATS, type PromptSpec } from '../config/schemas.js';
import { loadDataset } from '../datasets/load-dataset.js';
import type { LoadedDataset } from '../datasets/sample.js';
import type { DatasetSpec } from '../datasets/spec.js';
import { inspectModelDir } from '../model/model-dir.js';
import { loadPromptTokenizer, type PromptTokenizer } from '../model/tokenizer.js';
import { datasetFormatWarning, loadPromptStrategy } from '../prompts/strategy.js';
import type { HistoryStore } from '../store/history-store.js';
import { openHistoryStore } from '../store/open-store.js';
import type { ApiRequest, ApiResponse, DatasetFormat } from '../contract/index.js';
import { answerFindingsView, answerPage, logitLensView } from './answer-views.js';
import { datasetCard } from './dataset-cards.js';
import { datasetColumns } from './dataset-columns.js';
import type { EngineOptions } from './engine-options.js';
import { EngineRequestError, type ServiceCalls } from './engine-calls.js';
import { datasetSpecFor, promptSpecFor } from './experiment-config.js';
import { layerDetail, storedRunRef } from './layer-detail.js';
import { modelFacts } from './model-facts.js';
import { exportFolder, exportReport, exportVectors } from './report-export.js';
import { asRequestError } from './request-errors.js';
import { crossExperimentResultSet, storedResultSet, summaryFromListItem } from './result-view.js';
import { baseConfig, configOptions, strategyDescription } from './workbench-configs.js';

export interface EngineService extends ServiceCalls {
  close(): void;
}

/** Datasets kept loaded, so paging a preview or stepping through prompts does not re-read the file. */
const DATASET_CACHE_SIZE = 6;

/**
 * Every UI call except running experiments, on the real engine: configs, datasets, prompts, model inspection, the
 * history and exports. It lives in the engine service process; experiments run in processes of their own.
 */
export function createEngineService(options: EngineOptions): EngineService {
  const store: HistoryStore = openHistoryStore(options.dbPath);
  const tokenizers = new Map<string, PromptTokenizer>();
  const datasetCache = new Map<string, LoadedDataset>();

  function dataset(spec: DatasetSpec): LoadedDataset {
    const key = JSON.stringify(spec);
    const cached = datasetCache.get(key);
    if (cached) return cached;
    const loaded = loadDataset(spec, options.root);
    if (datasetCache.size >= DATASET_CACHE_SIZE) datasetCache.delete(datasetCache.keys().next().value as string);
    datasetCache.set(key, loaded);
    return loaded;
  }

  function modelDirOf(requested: string | null): string {
    return requested === null ? path.resolve(options.root, baseConfig(options.configDir).model.path) : path.resolve(requested);
  }

  /** The strategy file's dataset formats; left out when it names none or cannot be read (its preview says why). */
  function datasetFormatsOf(spec: PromptSpec): { datasetFormats?: DatasetFormat[] } {
    try {
      const formats = loadPromptStrategy(spec, options.configDir).datasetFormats;
      return formats === null ? {} : { datasetFormats: [...formats] };
    } catch {
      return {};
    }
  }

  /** An experiment whose engine process died stays `running` in the file until someone looks: mark it interrupted. */
  function experiment(id: string) {
    store.markStaleRunningAsInterrupted();
    return store.getExperiment(store.resolveExperimentRef(id));
  }

  const calls: ServiceCalls = {
    async listDatasets() {
      const specs = [...configOptions(options.configDir).datasets.values()];
      return { datasets: specs.map((spec) => datasetCard(spec, options.configDir, dataset)) };
    },

    async loadDatasetPreview(request: ApiRequest<'loadDatasetPreview'>): Promise<ApiResponse<'loadDatasetPreview'>> {
      const spec = datasetSpecFor(request.source, configOptions(options.configDir));
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

    async uploadDataset(request) {
      mkdirSync(options.uploadDir, { recursive: true });
      const safeName = path.basename(request.fileName).replace(/[^A-Za-z0-9_.-]+/g, '_');
      const stored = path.join(options.uploadDir, `${Date.now()}-${safeName}`);
      writeFileSync(stored, request.content, 'utf8');
      return { path: stored };
    },

    async listPrompts() {
      return {
        prompts: [...configOptions(options.configDir).prompts.values()].map((spec) => ({
          name: spec.name,
          description: strategyDescription(spec, options.configDir),
          defaults: { fewShot: spec.few_shot, answerFirst: spec.answer_first, contrarian: spec.contrarian, outputFormat: spec.output_format },
          outputFormats: [...OUTPUT_FORMATS],
          ...datasetFormatsOf(spec),
        })),
      };
    },

    async previewPrompt(request) {
      const settings = configOptions(options.configDir);
      const datasetSpec = datasetSpecFor(request.dataset, settings);
      const loaded = dataset(datasetSpec);
      const sample = loaded.samples[request.sampleIdx];
      if (!sample) {
        throw new EngineRequestError(
          `Sample ${request.sampleIdx} does not exist: ${loaded.name} has ${loaded.samples.length} samples (0–${loaded.samples.length - 1}).`,
          'bad_request',
        );
      }
      const strategy = loadPromptStrategy(promptSpecFor(request.prompt, settings), options.configDir);
      const fullText = strategy.fullInput(sample, baseConfig(options.configDir).experiment.answer_cue);
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
      return {
        systemPrompt: strategy.systemPrompt(),
        prompt: strategy.buildPrompt(sample),
        fullText,
        tokenCount,
        tokenCountNote,
        sample,
        datasetWarning: datasetFormatWarning(strategy, datasetSpec),
      };
    },

    async inspectModel(request) {
      const base = baseConfig(options.configDir);
      return modelFacts(modelDirOf(request.dir), base.backend.device, request.dir === null ? base.model.hook_map : null);
    },

    async listExperiments(request) {
      store.markStaleRunningAsInterrupted();
      const page = store.listExperiments({ limit: request.limit, offset: request.offset, search: request.search, status: request.status });
      return { items: page.items.map(summaryFromListItem), total: page.total };
    },

    async getExperiment(request) {
      return storedResultSet(store, experiment(request.id));
    },

    async deleteExperiment(request) {
      return { deleted: store.deleteExperiment(experiment(request.id).id) };
    },

    async compareRuns(request) {
      store.markStaleRunningAsInterrupted();
      return crossExperimentResultSet(store, request.runs.map((ref) => storedRunRef(store, ref)));
    },

    async layerDetail(request) {
      return layerDetail(store, request.runA, request.runB, request.layer);
    },

    async answers(request) {
      return answerPage(store, request.ref, request.filter, request.offset, request.limit);
    },

    async answerFindings(request) {
      return answerFindingsView(store, request.experimentId);
    },

    async logitLens(request) {
      return logitLensView(store, request.ref, request.position, {
        configDir: options.configDir,
        device: baseConfig(options.configDir).backend.device,
        topK: request.topK,
      });
    },

    async exportReport(request) {
      return exportReport(store, experiment(request.experimentId), request.format, options.configDir, options.outputRoot);
    },

    async exportVectors(request) {
      const stored = experiment(request.experimentId);
      const dir = request.dir === null ? path.join(exportFolder(stored, options.outputRoot), 'vectors') : path.resolve(request.dir);
      return exportVectors(store, stored, dir);
    },
  };

  const guarded = Object.fromEntries(
    Object.entries(calls).map(([method, call]) => [
      method,
      async (request: never) => {
        try {
          return await (call as (request: never) => Promise<unknown>)(request);
        } catch (error) {
          throw asRequestError(error);
        }
      },
    ]),
  ) as unknown as ServiceCalls;

  return { ...guarded, close: () => store.close() };
}
