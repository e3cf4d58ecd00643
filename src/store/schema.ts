/**
 * PRAGMA application_id of a CoTLab Workbench history ('CWBH'): how a file is told apart from another program's
 * SQLite database before anything is written to it.
 */
export const HISTORY_APPLICATION_ID = 0x43574248;

const STATUS_CHECK = "CHECK (status IN ('running', 'completed', 'interrupted', 'failed'))";

/**
 * Schema version 1. Times are ISO-8601 UTC text (sorts like time). Vectors are float32 little-endian BLOBs.
 * Every child row cascades from its experiment, so deleting an experiment removes all it holds. Experiment and run
 * ids are AUTOINCREMENT so a deleted id is never handed out again (people cite "#12"; caches key on run ids).
 */
export const SCHEMA_V1_SQL = `
CREATE TABLE experiments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  uid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  status TEXT NOT NULL ${STATUS_CHECK},
  source TEXT NOT NULL CHECK (source IN ('workbench', 'cotlab-import')),
  source_path TEXT,
  config_json TEXT NOT NULL CHECK (json_valid(config_json)),
  vector_policy_json TEXT NOT NULL CHECK (json_valid(vector_policy_json)),
  started_at TEXT NOT NULL,
  ended_at TEXT,
  duration_s REAL,
  last_activity_at TEXT NOT NULL,
  model_name TEXT,
  model_dir TEXT,
  model_hash TEXT,
  demo_model INTEGER NOT NULL DEFAULT 0 CHECK (demo_model IN (0, 1)),
  execution_provider TEXT,
  execution_provider_note TEXT,
  hook TEXT,
  pooling TEXT,
  app_version TEXT,
  output_dir TEXT,
  error TEXT,
  writer_pid INTEGER,
  writer_host TEXT
) STRICT;

-- The history listing: newest first, optionally filtered by status.
CREATE INDEX experiments_by_start ON experiments (started_at DESC, id DESC);
CREATE INDEX experiments_by_status_start ON experiments (status, started_at DESC, id DESC);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  run_index INTEGER NOT NULL,
  name TEXT NOT NULL,
  dataset_name TEXT NOT NULL,
  dataset_path TEXT,
  dataset_hash TEXT,
  prompt_name TEXT NOT NULL,
  prompt_options_json TEXT CHECK (prompt_options_json IS NULL OR json_valid(prompt_options_json)),
  system_prompt TEXT,
  seed INTEGER,
  num_samples_planned INTEGER NOT NULL,
  sample_indices_json TEXT CHECK (sample_indices_json IS NULL OR json_valid(sample_indices_json)),
  layer_indices_json TEXT NOT NULL CHECK (json_valid(layer_indices_json)),
  status TEXT NOT NULL ${STATUS_CHECK},
  completed_samples INTEGER NOT NULL DEFAULT 0,
  UNIQUE (experiment_id, run_index)
) STRICT;

CREATE TABLE samples (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  dataset_index INTEGER NOT NULL,
  label_json TEXT NOT NULL CHECK (json_valid(label_json)),
  token_count INTEGER NOT NULL,
  truncated INTEGER NOT NULL CHECK (truncated IN (0, 1)),
  prompt_hash TEXT,
  UNIQUE (run_id, position)
) STRICT;

-- A rowid table on purpose: vectors are kilobytes, too large for WITHOUT ROWID leaves.
CREATE TABLE sample_vectors (
  sample_id INTEGER NOT NULL REFERENCES samples (id) ON DELETE CASCADE,
  layer INTEGER NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (sample_id, layer)
) STRICT;

CREATE TABLE run_layer_means (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  layer INTEGER NOT NULL,
  mean BLOB,
  norm REAL NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (run_id, layer)
) STRICT;

CREATE TABLE comparisons (
  id INTEGER PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  run_a_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  run_b_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  layer INTEGER NOT NULL,
  cosine REAL NOT NULL,
  l2 REAL NOT NULL,
  centred_cosine REAL,
  relative_l2 REAL,
  cosine_ci_low REAL,
  cosine_ci_high REAL,
  l2_ci_low REAL,
  l2_ci_high REAL,
  p_value REAL,
  n_permutations INTEGER,
  cka REAL,
  UNIQUE (experiment_id, run_a_id, run_b_id, layer)
) STRICT;

-- Foreign-key children need an index on the referencing column, or each cascade scans the table.
CREATE INDEX comparisons_by_run_a ON comparisons (run_a_id);
CREATE INDEX comparisons_by_run_b ON comparisons (run_b_id);
`;


/** Schema version 2: how the model ran (export style, dtype, quantization, batch size, threads), as JSON. */
export const SCHEMA_V2_SQL = `
ALTER TABLE experiments ADD COLUMN runtime_json TEXT CHECK (runtime_json IS NULL OR json_valid(runtime_json));
`;

/**
 * Schema version 3: the findings of each compared pair (rankings, Holm-adjusted p-values, layers beyond chance),
 * computed once when the pair is analysed, and how its analytics were computed; the sha256 of an imported file's
 * content, so importing the same file again finds it whatever the time zone; seeds of any size (runs.seed keeps
 * seeds within the JS safe integers, read back exactly as numbers; a larger one is stored in runs.seed_text as its
 * exact decimal digits, with runs.seed NULL).
 */
export const SCHEMA_V3_SQL = `
ALTER TABLE runs ADD COLUMN seed_text TEXT
  CHECK (seed_text IS NULL OR (seed IS NULL AND (seed_text GLOB '[0-9]*' OR seed_text GLOB '-[0-9]*')
    AND substr(seed_text, 2) NOT GLOB '*[^0-9]*'));

ALTER TABLE comparisons ADD COLUMN p_value_holm REAL;

CREATE TABLE pair_findings (
  experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  run_a_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  run_b_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  findings_json TEXT NOT NULL CHECK (json_valid(findings_json)),
  analysis_json TEXT CHECK (analysis_json IS NULL OR json_valid(analysis_json)),
  PRIMARY KEY (experiment_id, run_a_id, run_b_id)
) STRICT;

CREATE INDEX pair_findings_by_run_a ON pair_findings (run_a_id);
CREATE INDEX pair_findings_by_run_b ON pair_findings (run_b_id);

ALTER TABLE experiments ADD COLUMN source_hash TEXT;
CREATE INDEX experiments_by_source_hash ON experiments (source_hash) WHERE source_hash IS NOT NULL;
`;

/** Schema version 4: linear probes of a run's stored vectors (one row per probe made; the newest is shown). */
export const SCHEMA_V4_SQL = `
CREATE TABLE probes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  label_field TEXT,
  created_at TEXT NOT NULL,
  record_json TEXT NOT NULL CHECK (json_valid(record_json))
) STRICT;

CREATE INDEX probes_by_experiment ON probes (experiment_id, id);
CREATE INDEX probes_by_run ON probes (run_id);
`;

/**
 * Schema version 5: the researcher's notes and tags on each experiment (editable, searched by the history), and
 * per compared layer the analytics a run computes beyond the v1 columns: the L2 that sampling noise alone would
 * give, the L2 with that bias removed, and Cohen's d of held-out samples along the diff-in-means direction.
 * Tags are unique per experiment whatever their case.
 */
export const SCHEMA_V5_SQL = `
ALTER TABLE experiments ADD COLUMN notes TEXT NOT NULL DEFAULT '';

CREATE TABLE experiment_tags (
  experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  tag TEXT NOT NULL COLLATE NOCASE CHECK (length(tag) BETWEEN 1 AND 40),
  PRIMARY KEY (experiment_id, tag)
) STRICT, WITHOUT ROWID;

CREATE INDEX experiment_tags_by_tag ON experiment_tags (tag);

ALTER TABLE comparisons ADD COLUMN l2_noise_floor REAL;
ALTER TABLE comparisons ADD COLUMN l2_debiased REAL;
ALTER TABLE comparisons ADD COLUMN cohens_d_held_out REAL;
`;

/**
 * Schema version 6: experiments computed on a cluster (cotlab-wb plan / shard / merge). In a shard's own history
 * file, which shard of which plan its experiment is and which processes worked on it; in a merged experiment, the
 * plan and every shard with its hosts (src/results/cluster.ts). NULL for an experiment run in one process.
 */
export const SCHEMA_V6_SQL = `
ALTER TABLE experiments ADD COLUMN cluster_json TEXT CHECK (cluster_json IS NULL OR json_valid(cluster_json));
`;
