import { z } from 'zod';
import type { ModelInfo } from '../model/types.js';
import type { RuntimeRecord } from '../results/types.js';

/** How a model host ran, in the layout reports (capture.runtime) and the history keep it. */
export function runtimeRecordOf(info: ModelInfo): RuntimeRecord {
  return {
    export_style: info.exportStyle,
    dtype: info.dtype,
    quantization: info.quantization,
    batch_size: info.batchSize,
    intra_op_threads: info.intraOpThreads,
    inter_op_threads: info.interOpThreads,
  };
}

const RuntimeRecordSchema: z.ZodType<RuntimeRecord> = z.object({
  export_style: z.string(),
  dtype: z.string(),
  quantization: z.string(),
  batch_size: z.number().int().positive(),
  intra_op_threads: z.number().int().nullable(),
  inter_op_threads: z.number().int().nullable(),
});

/** A runtime record read back from the history; null when none was kept or it is not one this version reads. */
export function storedRuntimeRecord(value: unknown): RuntimeRecord | null {
  const parsed = RuntimeRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
