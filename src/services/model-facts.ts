import type { DeviceChoice } from '../model/session.js';
import { cudaProviderInstalled } from '../model/cuda-provider.js';
import { ModelError } from '../model/errors.js';
import { inspectModel } from '../model/inspect.js';
import type { HookMap } from '../model/hook-points.js';
import { inspectModelDir } from '../model/model-dir.js';
import { isDemoModel } from '../experiments/prepare-job.js';
import type { ModelInspection } from '../contract/index.js';

/** Which provider a run with this device setting tries first, and why, without opening a session. */
export function plannedExecutionProvider(device: DeviceChoice, cudaInstalled: boolean): Pick<ModelInspection, 'executionProvider' | 'executionProviderNote'> {
  if (device === 'cpu') return { executionProvider: 'cpu', executionProviderNote: 'The backend is set to CPU.' };
  if (cudaInstalled) {
    return { executionProvider: 'cuda', executionProviderNote: 'CUDA provider files are installed; a run falls back to CPU if CUDA cannot start.' };
  }
  return device === 'cuda'
    ? { executionProvider: 'cpu', executionProviderNote: 'CUDA is requested but its provider files are not installed (run npm run install-cuda); runs will use the CPU.' }
    : { executionProvider: 'cpu', executionProviderNote: 'CUDA provider files are not installed (run npm run install-cuda on a GPU workstation); runs use the CPU.' };
}

/**
 * What `cotlab-wb inspect` reads in a model folder, in the UI's vocabulary. A folder the engine cannot read becomes
 * `ok: false` with the reason, so the Model screen can show it; a located resid_post hook makes the folder usable.
 */
export function modelFacts(dir: string, device: DeviceChoice, hookMap: HookMap | null): ModelInspection {
  const execution = plannedExecutionProvider(device, cudaProviderInstalled());
  try {
    const inspection = inspectModel(dir, hookMap);
    return {
      dir: inspection.dir,
      ok: inspection.exportStyle !== null,
      modelType: inspection.modelType,
      numLayers: inspection.numLayers,
      hiddenSize: inspection.hiddenSize,
      dtype: inspection.dtype,
      quantization: inspection.quantization.description,
      exportStyle: inspection.exportStyle,
      exportStyleDescription: inspection.exportStyleDescription,
      opset: inspection.opset,
      graphFile: inspection.graphFile,
      embeddingFile: inspection.embeddingFile,
      externalDataFiles: inspection.externalDataFiles,
      hookTensors: inspection.hooks.map((hooks) => ({ layer: hooks.layer, residPost: hooks.resid_post, cotlab: hooks.cotlab })),
      ...execution,
      demoModel: isDemoModel(inspectModelDir(inspection.dir)),
      capabilities: {
        lmHead: inspection.capabilities.lmHead,
        kvCache: inspection.capabilities.kvCache,
        experiments: inspection.capabilities.experiments,
        notes: inspection.capabilities.notes,
      },
      problems: inspection.problems,
    };
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    return {
      dir,
      ok: false,
      modelType: null,
      numLayers: null,
      hiddenSize: null,
      dtype: null,
      quantization: null,
      exportStyle: null,
      exportStyleDescription: null,
      opset: null,
      graphFile: null,
      embeddingFile: null,
      externalDataFiles: [],
      hookTensors: [],
      ...execution,
      demoModel: false,
      capabilities: null,
      problems: [error.message],
    };
  }
}
