/** What the workbench reads in a model folder. */
import { z } from 'zod';
import { wholeNumber } from './primitives.js';

export const ExecutionProviderSchema = z.enum(['cuda', 'cpu']);

export const HookTensorsSchema = z
  .object({ layer: wholeNumber.nonnegative(), residPost: z.string().nullable(), cotlab: z.string().nullable() })
  .strict();

/** The experiments of the workbench. */
export const ExperimentKindSchema = z.enum(['activation_compare', 'classification', 'logit_lens']);
export type ExperimentKind = z.infer<typeof ExperimentKindSchema>;

/** What a model can do beyond capturing activations. */
export const ModelCapabilitiesSchema = z
  .object({
    /** An LM head after a final norm the workbench reuses: generation (classification, record answers) and the logit lens. */
    lmHead: z.boolean(),
    /** A KV cache: decoding one token per pass; without it every new token recomputes the sequence. */
    kvCache: z.boolean(),
    /** The experiments the model can run. */
    experiments: z.array(ExperimentKindSchema),
    /** One sentence per missing capability, saying what follows. */
    notes: z.array(z.string()),
  })
  .strict();
export type ModelCapabilities = z.infer<typeof ModelCapabilitiesSchema>;

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
    /** null when the folder cannot be read at all. */
    capabilities: ModelCapabilitiesSchema.nullable(),
    /** What is wrong with the folder, one sentence each; empty when it is usable. */
    problems: z.array(z.string()),
  })
  .strict();
export type ModelInspection = z.infer<typeof ModelInspectionSchema>;
