import { describeProvenance } from '../results/cluster.js';
import { findingsOfPair, type PairFindings } from '../results/findings.js';
import type { ProbeRecord } from '../results/probe-record.js';
import type { LayerScore } from '../results/rankings.js';
import { differingSettings, settingEntries, SETTING_LABELS, type NamedRunSettings } from '../results/run-settings.js';
import type { CaptureRecord, Comparison } from '../results/types.js';
import { localDateTime } from './local-time.js';
import { shellQuote } from './shell-quote.js';
import type { Annotations, ReportInput, TopPromptSummary, VariantLine } from './types.js';

const RESULTS_PLACEHOLDER = '_Results will be added after experiment completes..._';

const RESEARCH_QUESTIONS = [
  'How do residual stream activations differ across runs and datasets?',
  'Which layers show the largest activation divergence between runs?',
  'Do activation differences align with task or prompt changes?',
];

/** Python's str.capitalize(): first character upper case, the rest lower case. */
function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
}

/** Python's `key.replace('_', ' ').title()`. */
function titleCase(key: string): string {
  return key.replaceAll('_', ' ').replace(/[A-Za-z]+/g, (word) => capitalize(word));
}

/** CoTLab's duration text: whole minutes and seconds, truncated. */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = Math.floor(seconds % 60);
  return minutes > 0 ? `${minutes} minutes ${rest} seconds` : `${rest} seconds`;
}

function title(variants: readonly VariantLine[]): string {
  if (variants.length === 0) return 'Activation Compare';
  return `Activation Compare: ${variants.map((v) => v.name).join(' vs ')}`;
}

function header(input: ReportInput): string {
  const started = localDateTime(input.startTime);
  // CoTLab adds the Duration line (after a Markdown hard break) only once the run has ended.
  const startedLine =
    input.status === 'Running'
      ? `**Started:** ${started}`
      : `**Started:** ${started}  \n**Duration:** ${formatDuration(input.runDurationSeconds)}`;
  return `# Experiment: ${title(input.variants)}\n\n**Status:** ${input.status}\n${startedLine}\n`;
}

function researchQuestions(): string {
  return `## Research Questions\n\n${RESEARCH_QUESTIONS.map((q, i) => `${i + 1}. ${q}\n`).join('')}`;
}

function reasoningMode(prompt: TopPromptSummary): string {
  if (prompt.answer_first) return 'Answer-First';
  if (prompt.contrarian) return 'Contrarian (skeptical)';
  return 'Standard';
}

function variantLine(variant: VariantLine): string {
  const samples = variant.num_samples === null ? 'all' : String(variant.num_samples);
  return `- ${variant.name}: dataset=${variant.dataset}, prompt=${variant.prompt}, samples=${samples}, seed=${variant.seed}\n`;
}

function configuration(input: ReportInput): string {
  const prompt = input.topPrompt;
  let text =
    '## Configuration\n\n' +
    `**Prompt Strategy:** ${capitalize(prompt.name)}\n` +
    `**Reasoning Mode:** ${reasoningMode(prompt)}\n` +
    `**Few-Shot Examples:** ${prompt.few_shot ? 'Yes' : 'No (zero-shot)'}\n` +
    `**Output Format:** ${prompt.output_format.toUpperCase()}\n` +
    `**Dataset:** ${input.topDatasetName}\n`;
  if (input.variants.length > 0) text += `\n**Variants:**\n${input.variants.map(variantLine).join('')}`;
  return text;
}

function fullConfiguration(configYaml: string): string {
  // The YAML dump ends in a newline and CoTLab's template adds another before the closing fence.
  const yaml = configYaml.replace(/\n+$/, '');
  return `<details>\n<summary>Full Configuration (YAML)</summary>\n\n\`\`\`yaml\n${yaml}\n\n\`\`\`\n</details>\n`;
}

function reproduce(input: ReportInput, outputDir: string): string {
  const [subcommand = 'run', ...overrides] = input.reproduceCommand;
  const command = [`npx cotlab-wb ${shellQuote(subcommand)}`, ...overrides.map(shellQuote)].join(' \\\n  ');
  const configPath = shellQuote(`${outputDir.replace(/\/+$/, '')}/config.json`);
  return (
    '## Reproduce\n\n```bash\n' +
    `${command}\n\n` +
    '# or re-run the exact resolved configuration saved with this report:\n' +
    `npx cotlab-wb run --config ${configPath}\n` +
    '```\n'
  );
}

function metricValue(value: unknown): string {
  if (typeof value === 'number' && !Number.isInteger(value)) return value.toFixed(3);
  return String(value);
}

function results(input: ReportInput): string {
  if (input.status === 'Running') return `## Results\n\n${RESULTS_PLACEHOLDER}\n`;
  const bullets = Object.entries(input.metrics).map(([key, value]) => `- **${titleCase(key)}:** ${metricValue(value)}\n`);
  return `## Results\n\n${bullets.join('')}`;
}

function capturedPoints(names: readonly string[]): string {
  const first = names[0];
  const last = names[names.length - 1];
  if (first === undefined || last === undefined) return 'none';
  if (names.length === 1) return `\`${first}\` (1 layer)`;
  return `\`${first}\` … \`${last}\` (${names.length} layers)`;
}

/** `processedSamples` is null while the run is still going (no truncation count yet). */
function maxInputTokensLine(capture: CaptureRecord, processedSamples: number | null): string {
  if (capture.max_input_tokens === null) return '- **Max input tokens:** no limit (inputs are never truncated)';
  const count =
    processedSamples === null ? '' : ` (${capture.truncated_samples} of ${processedSamples} samples truncated)`;
  return `- **Max input tokens:** ${capture.max_input_tokens}${count}`;
}

function captureSection(capture: CaptureRecord, processedSamples: number | null): string {
  const provider = capture.execution_provider.toUpperCase();
  const lines = [
    `- **Hook point:** \`${capture.hook}\`: ${capture.hook_description}`,
    `- **Captured points:** ${capturedPoints(capture.hook_names)}`,
    `- **Model:** ${capture.model_type} (\`${capture.model_dir}\`)`,
    `- **Execution provider:** ${capture.execution_provider_note ? `${provider} (${capture.execution_provider_note})` : provider}`,
    ...(capture.runtime
      ? [
          `- **Runtime:** ${capture.runtime.export_style} export, ${capture.runtime.dtype} activations, ${capture.runtime.quantization}, ` +
            `batch size ${capture.runtime.batch_size}, threads ${capture.runtime.intra_op_threads ?? 'auto'} intra-op / ${capture.runtime.inter_op_threads ?? 'auto'} inter-op`,
        ]
      : []),
    ...(capture.cluster ? [`- **Computed on:** ${describeProvenance(capture.cluster)}`] : []),
    maxInputTokensLine(capture, processedSamples),
    `- **Answer cue:** ${capture.answer_cue === null ? 'none' : `\`${JSON.stringify(capture.answer_cue)}\``}`,
  ];
  let text = `## Capture\n\n${lines.join('\n')}\n`;
  if (capture.demo_model) {
    text +=
      '\n> **Warning:** this run used the bundled demo model, whose weights are random. The numbers below only ' +
      'demonstrate the pipeline; they say nothing about any real model or about the data.\n';
  }
  return text;
}

function pairTitle(comparison: Comparison): string {
  return `${comparison.run_a} vs ${comparison.run_b}`;
}

const NOT_STORED = '_Per-layer values were not stored (experiment.store_per_layer is false)._\n';

function perLayerTable(comparison: Comparison): string {
  const cosines = comparison.layer_cosine_similarity;
  const distances = comparison.layer_l2_distance;
  if (cosines === undefined || distances === undefined) return NOT_STORED;
  const rows = comparison.layer_indices.map(
    (layer, i) => `| ${layer} | ${(cosines[i] ?? Number.NaN).toFixed(6)} | ${(distances[i] ?? Number.NaN).toFixed(4)} |\n`,
  );
  return `| Layer | Cosine similarity | L2 distance |\n|---:|---:|---:|\n${rows.join('')}`;
}

export function perLayerSection(comparisons: readonly Comparison[]): string {
  if (comparisons.length === 0) return '## Per-Layer Comparison\n\n_No comparisons: the experiment has a single run._\n';
  return `## Per-Layer Comparison\n\n${comparisons.map((c) => `### ${pairTitle(c)}\n\n${perLayerTable(c)}`).join('\n')}`;
}

function scoreList(scores: readonly LayerScore[], digits: number): string {
  return scores.map(({ layer, value }) => `layer ${layer} (${value.toFixed(digits)})`).join(', ');
}

function significanceLine(findings: PairFindings): string {
  const beyond = findings.layers_beyond_chance;
  if (beyond === null) return '';
  const tested = findings.layers.length;
  const which = beyond.length === 0 ? 'none' : `layer ${beyond.join(', ')}`;
  return `- **Beyond chance (permutation test, Holm-adjusted p < ${findings.significance_level}):** ${beyond.length} of ${tested} layers (${which})\n`;
}

function pairAnalysis(comparison: Comparison, findings: PairFindings | undefined): string {
  const summary =
    `Mean cosine similarity ${comparison.mean_cosine_similarity.toFixed(6)}, mean L2 distance ` +
    `${comparison.mean_l2_distance.toFixed(4)} over ${comparison.layer_indices.length} layers.\n`;
  const lowest = findings?.lowest_cosine_layers ?? [];
  const highest = findings?.highest_l2_layers ?? [];
  const detail =
    findings === undefined || (lowest.length === 0 && highest.length === 0)
      ? NOT_STORED
      : `- **Lowest cosine similarity:** ${scoreList(lowest, 6)}\n- **Highest L2 distance:** ${scoreList(highest, 4)}\n${significanceLine(findings)}`;
  return `### ${pairTitle(comparison)}\n\n${summary}\n${detail}`;
}

export function analysisSection(comparisons: readonly Comparison[], findings: readonly PairFindings[]): string {
  if (comparisons.length === 0) return '## Analysis\n\n_No comparisons: the experiment has a single run._\n';
  return `## Analysis\n\n${comparisons.map((comparison) => pairAnalysis(comparison, findingsOfPair(findings, comparison.run_a, comparison.run_b))).join('\n')}`;
}

function probeLabel(probe: ProbeRecord): string {
  const label = probe.label_field === null ? 'the dataset label' : `metadata field \`${probe.label_field}\``;
  const classes = probe.classes.map((name, k) => `${name} (${probe.class_counts[k]})`).join(', ');
  return `${label}; ${probe.samples} samples; classes ${classes}`;
}

function probeTable(probe: ProbeRecord): string {
  const beyond = new Set(probe.layers_beyond_chance);
  const rows = probe.layers.map((layer) => {
    const [low, high] = layer.accuracy_ci;
    const p = `${layer.p_value_holm.toFixed(4)}${beyond.has(layer.layer) ? ' *' : ''}`;
    return `| ${layer.layer} | ${layer.accuracy.toFixed(3)} [${low.toFixed(3)}, ${high.toFixed(3)}] | ${layer.balanced_accuracy.toFixed(3)} | ${layer.macro_f1.toFixed(3)} | ${layer.majority_accuracy.toFixed(3)} | ${layer.control_accuracy.toFixed(3)} | ${layer.selectivity.toFixed(3)} | ${p} |\n`;
  });
  const level = Math.round(probe.settings.confidence_level * 100);
  return `| Layer | Accuracy [${level}% CI] | Balanced accuracy | Macro-F1 | Majority | Control | Selectivity | p (Holm) |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n${rows.join('')}`;
}

function probingSection(probes: readonly ProbeRecord[]): string {
  const parts = probes.map((probe) => {
    const { settings } = probe;
    return (
      `### ${probe.run}: ${probeLabel(probe)}\n\n${probeTable(probe)}\n` +
      `Best layer ${probe.best_layer}; earliest within one standard error of it: layer ${probe.earliest_within_one_se}. ` +
      `${probe.layers_beyond_chance.length} of ${probe.layers.length} layers beyond chance (*: Holm-adjusted p < ${settings.significance_level}).\n\n` +
      `_Logistic probe (L2, C by ${settings.inner_folds}-fold nested cross-validation from ${settings.c_grid.join(', ')}), ` +
      `${settings.folds}-fold stratified cross-validation, seed ${settings.seed}; majority: the training part's most frequent class; ` +
      `control: the probe trained on labels shuffled within each training part; p: ${settings.permutations} relabellings of a ridge probe ` +
      `on the same folds (${settings.permutation_rule})._\n`
    );
  });
  return `## Probing\n\n${parts.join('\n')}`;
}

/** A Markdown table cell: pipes escaped, line breaks as spaces. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/**
 * Every run's settings side by side, the settings that tell the runs apart first and in bold, so two runs that
 * differ only in, say, the output format are told apart at a glance.
 */
export function runsSection(runs: readonly NamedRunSettings[]): string {
  if (runs.length === 0) return '';
  const differing = differingSettings(runs.map((run) => run.settings));
  const labels = new Map(SETTING_LABELS);
  const lead =
    runs.length < 2
      ? ''
      : differing.length === 0
        ? 'The runs share every setting.\n\n'
        : `What tells the runs apart: ${differing.map((key) => labels.get(key)).join(', ')}.\n\n`;
  const entries = runs.map((run) => settingEntries(run.settings));
  const order = [...differing, ...SETTING_LABELS.map(([key]) => key).filter((key) => !differing.includes(key))];
  const rows = order.map((key) => {
    const label = labels.get(key) ?? key;
    const values = entries.map((list) => cell(list.find((entry) => entry.key === key)?.value ?? ''));
    return differing.includes(key) ? `| **${label}** | ${values.map((value) => `**${value}**`).join(' | ')} |` : `| ${label} | ${values.join(' | ')} |`;
  });
  const header = `| Setting | ${runs.map((run) => cell(run.name)).join(' | ')} |\n|---|${runs.map(() => '---|').join('')}\n`;
  return `## Runs\n\n${lead}${header}${rows.join('\n')}\n`;
}

/** The researcher's notes and tags, when there are any. */
function notesSection(annotations: Annotations | null): string | null {
  if (annotations === null || (annotations.notes.trim() === '' && annotations.tags.length === 0)) return null;
  const tags = annotations.tags.length === 0 ? '' : `**Tags:** ${annotations.tags.map((tag) => `\`${tag}\``).join(' ')}\n`;
  const notes = annotations.notes.trim() === '' ? '' : `${tags === '' ? '' : '\n'}${annotations.notes.trim()}\n`;
  return `## Notes\n\n${tags}${notes}`;
}

/**
 * EXPERIMENT.md: CoTLab's sections (title, status, research questions, configuration, full YAML, reproduce,
 * results), then ours (capture, every run's settings, per-layer table, analysis); the researcher's notes and tags,
 * when there are any, right under the title. `outputDir` is where config.json is saved.
 */
export function buildExperimentMd(input: ReportInput, outputDir: string): string {
  const processedSamples =
    input.status === 'Running' ? null : input.runs.reduce((total, run) => total + run.num_samples, 0);
  const notes = notesSection(input.annotations);
  const sections = [
    header(input),
    ...(notes === null ? [] : [notes]),
    researchQuestions(),
    configuration(input),
    fullConfiguration(input.configYaml),
    reproduce(input, outputDir),
    results(input),
    captureSection(input.capture, processedSamples),
    runsSection(input.runSettings),
  ].filter((section) => section !== '');
  if (input.status !== 'Running') sections.push(perLayerSection(input.comparisons), analysisSection(input.comparisons, input.findings));
  if (input.probes.length > 0) sections.push(probingSection(input.probes));
  return sections.join('\n');
}
