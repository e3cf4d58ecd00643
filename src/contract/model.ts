/** What the workbench reads in a model folder. */
import { z } from 'zod';
import { wholeNumber } from './primitives.js';

export const ExecutionProviderSchema = z.enum(['cuda', 'cpu']);

export const HookTensorsSchema = z
  .object({ layer: wholeNumber.nonnegative(), residPost: z.string().nullable(), cotlab: z.string().nullable() })
  .strict();

/** What the workbench reads in a model folder without running it (`cotlab-wb inspect`). */
export const ModelInspectionSchema = z
  .object({
    dir: z.string(),
    /** True when the residual stream after every layer can be located. */
    ok: z.boolean(),
    modelType: z.string().nullable(),
    numLayers: wholeNumber.nonnegative().nullable(),
    hiddenSize: wholeNumber.nonnegative().nullable(),
    dtype: z.string().nullable(),
    quantization: z.string().nullable(),
    exportStyle: z.string().nullable(),
    exportStyleDescription: z.string().nullable(),
    opset: wholeNumber.nonnegative().nullable(),
    graphFile: z.string().nullable(),
    embeddingFile: z.string().nullable(),
    externalDataFiles: z.array(z.string()),
    hookTensors: z.array(HookTensorsSchema),
    /** The provider a run will try first with the configured device (it falls back to CPU when CUDA cannot start). */
    executionProvider: ExecutionProviderSchema.nullable(),
    executionProviderNote: z.string().nullable(),
    demoModel: z.boolean(),
    /** What is wrong with the folder, one sentence each; empty when it is usable. */
    problems: z.array(z.string()),
  })
  .strict();
export type ModelInspection = z.infer<typeof ModelInspectionSchema>;
