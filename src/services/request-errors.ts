import { AnalysisInputError } from '../analytics/errors.js';
import type { ApiErrorBody } from '../contract/index.js';
import { ConfigError } from '../config/errors.js';
import { DatasetError } from '../datasets/errors.js';
import { ClusterPlanError } from '../experiments/cluster-plan.js';
import { MergeError } from '../experiments/cluster-merge.js';
import { ExperimentError } from '../experiments/errors.js';
import { HistoryExportError, IncomparableRunsError, ProbeCancelledError, ProbeError, ResumeError, RunRefError, StoredSampleError } from '../experiments/history-errors.js';
import { ModelError } from '../model/errors.js';
import { PromptStrategyError } from '../prompts/errors.js';
import { StoreError } from '../store/store-error.js';
import { EngineRequestError } from './engine-calls.js';

/** Problems with what the researcher chose (a file, a config, a model folder, runs to compare): theirs to fix. */
const INPUT_ERRORS = [
  DatasetError,
  ConfigError,
  PromptStrategyError,
  ModelError,
  ExperimentError,
  AnalysisInputError,
  RunRefError,
  IncomparableRunsError,
  ResumeError,
  HistoryExportError,
  ProbeError,
  ProbeCancelledError,
  StoredSampleError,
  ClusterPlanError,
  MergeError,
];

/** An engine error as the UI should receive it: input problems as bad_request with their message, lookups as not_found. */
export function asRequestError(error: unknown): unknown {
  if (error instanceof EngineRequestError) return error;
  if (INPUT_ERRORS.some((kind) => error instanceof kind)) return new EngineRequestError((error as Error).message, 'bad_request');
  if (error instanceof StoreError) {
    if (error.reason === 'not-found') return new EngineRequestError(error.message, 'not_found');
    if (error.reason === 'conflict') return new EngineRequestError(error.message, 'bad_request');
  }
  return error;
}

/** Any error as the UI receives it; an EngineRequestError (or an input error) keeps its code and details. */
export function errorBody(error: unknown): ApiErrorBody['error'] {
  const known = asRequestError(error);
  if (known instanceof EngineRequestError) return { code: known.code, message: known.message, details: known.details };
  return { code: 'engine_error', message: error instanceof Error ? error.message : String(error), details: [] };
}
