import path from 'node:path';
import { OUTPUT_FORMATS, type PromptSpec } from '../config/schemas.js';
import { detectDatasetFormat, type FormatDetection } from '../datasets/detect-format.js';
import { DatasetError } from '../datasets/errors.js';
import { inspectModelDir } from '../model/model-dir.js';
import { loadPromptTokenizer, type PromptTokenizer } from '../model/tokenizer.js';
import { datasetFormatWarning, loadPromptStrategy } from '../prompts/strategy.js';
import type { HistoryStore } from '../store/history-store.js';
import { openHistoryStore } from '../store/open-store.js';
import { storedWorkbenchConfig } from '../experiments/report-from-store.js';
import { mergeClusterPlan } from '../experiments/cluster-merge.js';
import { shardSize, writeClusterPlan } from '../experiments/cluster-plan.js';
import { shellQuote } from '../report/shell-quote.js';
import { describeProvenance } from '../results/cluster.js';
import type { ApiRequest, ApiResponse, DatasetDetection, DatasetFormat } from '../contract/index.js';
import { datasetCard } from './dataset-cards.js';
import { jobContextFor, type EngineOptions } from './engine-options.js';
import { EngineRequestError, type ServiceCalls } from './engine-calls.js';
import { datasetSpecFor, experimentConfig, promptSpecFor } from './experiment-config.js';
import { experimentDefaults, settingsOfConfig } from './experiment-settings.js';
import { layerDetail, storedRunRef } from './layer-detail.js';
import { modelFacts } from './model-facts.js';
import { ParsedDatasets } from './parsed-datasets.js';
import { PathRefusedError, type PathPolicy } from './path-policy.js';
import { experimentProbes, probeRun } from './probe-view.js';
import { exportComparison, exportFolder, exportReport, exportVectors, exportVectorsArchive, readVectorsArchiveChunk } from './report-export.js';
import { asRequestError } from './request-errors.js';
import { crossExperimentResultSet, historyPage, storedResultSet } from './result-view.js';
import { storeUpload } from './upload-file.js';
import { PartialRunMeans } from '../experiments/partial-run-means.js';
import { storedSampleText } from '../experiments/stored-sample.js';
import { baseConfig, configOptions, strategyDescription } from './workbench-configs.js';

export interface EngineService extends ServiceCalls {
  close(): void;
}

/** The engine's detection in the UI's vocabulary. */
function detectionView(detection: FormatDetection): DatasetDetection {
  return {
    format: detection.format,
    reason: detection.reason,
    columns: detection.columns,
    mapping: { textColumn: detection.textColumn, labelColumn: detection.labelColumn, metadataColumns: [], delimiter: detection.delimiter },
  };
}

/** A file's detected format for the preview; null when its content fits no format (loading it says why). */
async function detectionOrNull(file: string): Promise<DatasetDetection | null> {
  try {
    return detectionView(await detectDatasetFormat(file));
  } catch (error) {
    if (error instanceof DatasetError) return null;
    throw error;
  }
}

/**
 * Every UI call except running experiments, on the real engine: configs, datasets, prompts, model inspection, the
 * history and exports. It lives in the engine service process; experiments run in processes of their own. Paths in
 * requests go through `paths`, the policy its host chose (serve: data roots; desktop: files chosen in a dialog).
 * Dataset files are parsed in threads of their own (`datasets`), so history calls never wait behind a parse.
 */
export function createEngineService(options: EngineOptions, paths: PathPolicy, datasets = new ParsedDatasets(options.root)): EngineService {
  const store: HistoryStore = openHistoryStore(options.dbPath);
  const tokenizers = new Map<string, PromptTokenizer>();
  // Followed runs' means so far: each look at a running experiment reads only the samples stored since the last.
  const partialMeans = new PartialRunMeans();

  function modelDirOf(requested: string | null): string {
    return requested === null ? path.resolve(options.root, baseConfig(options.configDir).model.path) : paths.readable(requested, 'model folder');
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

  /**
   * A plan folder to merge: one the engine may read, or one under the folder it writes to, where the app itself
   * writes plans in serve mode (Plan for a cluster…); the shards there are only read.
   */
  function planFolderToRead(requested: string): string {
    try {
      return paths.readable(requested, 'plan folder');
    } catch (refused) {
      if (!(refused instanceof PathRefusedError)) throw refused;
      try {
        return paths.writable(requested, 'plan folder');
      } catch {
        throw refused;
      }
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
      return { datasets: await Promise.all(specs.map((spec) => datasetCard(spec, options.configDir, (bundled) => datasets.summary(bundled)))) };
    },

    async loadDatasetPreview(request: ApiRequest<'loadDatasetPreview'>, signal?: AbortSignal): Promise<ApiResponse<'loadDatasetPreview'>> {
      const spec = datasetSpecFor(request.source, configOptions(options.configDir), paths);
      const summary = await datasets.summary(spec, signal);
      const detected = request.source.kind === 'file' ? await detectionOrNull(summary.path) : null;
      return {
        name: summary.name,
        path: summary.path,
        format: spec.format,
        totalSamples: summary.total,
        columns: summary.columns,
        offset: request.offset,
        rows: summary.total === 0 ? [] : await datasets.rows(spec, request.offset, request.limit, signal),
        labels: summary.labels,
        detected,
        source: request.source,
      };
    },

    async detectDatasetFormat(request) {
      return detectionView(await detectDatasetFormat(paths.readable(request.path, 'dataset file')));
    },

    async uploadDataset(request) {
      return { path: storeUpload(options.uploadDir, request.fileName, request.content) };
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

    async previewPrompt(request, signal) {
      const settings = configOptions(options.configDir);
      const datasetSpec = datasetSpecFor(request.dataset, settings, paths);
      const summary = await datasets.summary(datasetSpec, signal);
      if (summary.unloaded !== null) throw new EngineRequestError(summary.unloaded, 'bad_request');
      const [sample] = await datasets.rows(datasetSpec, request.sampleIdx, 1, signal);
      if (!sample) {
        throw new EngineRequestError(
          `Sample ${request.sampleIdx} does not exist: ${summary.name} has ${summary.total} samples (0–${summary.total - 1}).`,
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

    async experimentDefaults() {
      const base = baseConfig(options.configDir);
      const modelLayers = () => modelFacts(modelDirOf(null), base.backend.device, base.model.hook_map).numLayers ?? 0;
      return experimentDefaults(base, configOptions(options.configDir), options.root, modelLayers);
    },

    async experimentSettings(request) {
      const stored = experiment(request.id);
      const config = storedWorkbenchConfig(stored);
      if (config === null) {
        const why = stored.source === 'workbench' ? 'its stored configuration is not readable by this version' : 'it was imported from a CoTLab results.json';
        throw new EngineRequestError(`Experiment ${stored.id} has no workbench settings to show: ${why}.`, 'bad_request');
      }
      const captured = () => stored.runs[0]?.layerIndices ?? [];
      return settingsOfConfig(config, baseConfig(options.configDir), configOptions(options.configDir), options.root, captured);
    },

    async listExperiments(request) {
      store.markStaleRunningAsInterrupted();
      const page = store.listExperiments({ limit: request.limit, offset: request.offset, search: request.search, status: request.status });
      return { items: historyPage(store, page.items), total: page.total, statusCounts: store.statusCounts() };
    },

    async annotateExperiment(request) {
      return store.annotateExperiment(experiment(request.id).id, {
        ...(request.notes === undefined ? {} : { notes: request.notes }),
        addTags: request.addTags,
        removeTags: request.removeTags,
      });
    },

    async getExperiment(request) {
      return storedResultSet(store, experiment(request.id), partialMeans);
    },

    async deleteExperiment(request) {
      return { deleted: store.deleteExperiment(experiment(request.id).id) };
    },

    async compareRuns(request) {
      store.markStaleRunningAsInterrupted();
      return crossExperimentResultSet(store, request.runs.map((ref) => storedRunRef(store, ref)), partialMeans);
    },

    async exportComparison(request) {
      store.markStaleRunningAsInterrupted();
      return exportComparison(store, request.runs.map((ref) => storedRunRef(store, ref)), request.format);
    },

    async probeRun(request, signal) {
      store.markStaleRunningAsInterrupted();
      return { probe: await probeRun(store, request, options.root, datasets, signal) };
    },

    async experimentProbes(request) {
      return experimentProbes(store, experiment(request.experimentId), datasets);
    },

    async storedSample(request) {
      const stored = await storedSampleText(store, storedRunRef(store, request.run), request.position, options.configDir, datasets);
      return { run: request.run, ...stored };
    },

    async exportVectorsArchive(request) {
      return exportVectorsArchive(store, experiment(request.experimentId), options.outputRoot);
    },

    async readExportChunk(request) {
      return readVectorsArchiveChunk(experiment(request.experimentId), options.outputRoot, request);
    },

    async layerDetail(request) {
      return layerDetail(store, request.runA, request.runB, request.layer);
    },

    async exportReport(request) {
      return exportReport(store, experiment(request.experimentId), request.format, options.configDir, options.outputRoot);
    },

    async planForCluster(request) {
      const config = experimentConfig(request.experiment, baseConfig(options.configDir), configOptions(options.configDir), paths);
      const planDir = paths.writable(request.dir, 'plan folder');
      const plan = await writeClusterPlan(config, request.shards, planDir, jobContextFor(options));
      const shardSizes = plan.shards.map(shardSize);
      return {
        planDir,
        planId: plan.plan_id,
        samples: shardSizes.reduce((sum, size) => sum + size, 0),
        shardSizes,
        commands: [`cotlab-wb slurm ${shellQuote(planDir)} --submit`, `cotlab-wb slurm ${shellQuote(planDir)} --status`],
      };
    },

    async importMergedPlan(request) {
      const result = await mergeClusterPlan(planFolderToRead(request.dir), store, jobContextFor(options));
      const cluster = result.report.capture.cluster;
      return {
        experimentId: String(result.experimentId),
        reportDir: result.outputDir,
        computedOn: cluster === undefined ? '' : describeProvenance(cluster),
      };
    },

    async exportVectors(request) {
      const chosen = request.dir === null ? null : paths.writable(request.dir, 'export folder');
      const stored = experiment(request.experimentId);
      return exportVectors(store, stored, chosen ?? path.join(exportFolder(stored, options.outputRoot), 'vectors'));
    },
  };

  const guarded = Object.fromEntries(
    Object.entries(calls).map(([method, call]) => [
      method,
      async (request: never, signal?: AbortSignal) => {
        try {
          return await (call as (request: never, signal?: AbortSignal) => Promise<unknown>)(request, signal);
        } catch (error) {
          throw asRequestError(error);
        }
      },
    ]),
  ) as unknown as ServiceCalls;

  return {
    ...guarded,
    close: () => {
      datasets.close();
      store.close();
    },
  };
}
