/**
 * The report of an experiment that reads model answers (classification): results.json in CoTLab's classification
 * layout (metrics, samples with predicted / ground_truth / correct) plus our additions (every variant's metrics with
 * intervals, McNemar tests, parse statuses, how answers were generated), EXPERIMENT.md, one HTML page and CSV files.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { stringifyJsonExact } from '../config/exact-json.js';
import type { Sample } from '../datasets/sample.js';
import type { SampleAnswer } from '../results/answers.js';
import type { AnswerFindings, Estimate, McNemarResult, VariantAnswerMetrics } from '../results/classification.js';
import type { Seed } from '../results/seed.js';
import type { RuntimeRecord } from '../results/types.js';
import { csvField } from './csv.js';
import { configuration, formatDuration, fullConfiguration, reproduce } from './experiment-md.js';
import { ChartBook, escapeHtml, formatNumber, renderReportPage } from './html-page.js';
import { localDateTime, pythonIsoformat } from './local-time.js';
import { notesHtml, notesMarkdown } from './notes-section.js';
import type { Annotations, ReportInput, RunStatus } from './types.js';
import { ReportWriteError, writeTextFile } from './write-report.js';

/** One variant as its report lists it. */
export interface AnswerRunSummary {
  name: string;
  dataset: string;
  prompt: string;
  output_format: string;
  num_samples: number;
  seed: Seed;
  system_prompt: string | null;
  sample_indices: number[];
}

/** One answered sample of the report. */
export interface AnswerSampleEntry extends SampleAnswer {
  run: string;
  position: number;
  /** Dataset index (CoTLab's sample_idx). */
  datasetIndex: number;
  label: Sample['label'];
  /** The sample's text and the full prompt; null when the history did not keep them. */
  text: string | null;
  prompt: string | null;
}

/** How the answers were generated, recorded beside CoTLab's fields. */
export interface GenerationRecord {
  max_new_tokens: number;
  do_sample: boolean;
  temperature: number;
  top_p: number;
  /** Seed of the sampling draws (null when decoding was greedy). */
  sampling_seed: Seed | null;
  /** Per run, the strings that ended generation. */
  stop_strings: Record<string, string[]>;
  max_input_tokens: number | null;
  answer_cue: string | null;
  execution_provider: string;
  execution_provider_note: string | null;
  kv_cache: boolean;
  model_type: string;
  model_dir: string;
  demo_model: boolean;
  runtime: RuntimeRecord | null;
}

export interface AnswerReportInput
  extends Pick<
    ReportInput,
    'config' | 'experimentName' | 'modelName' | 'promptStrategyName' | 'reproduceCommand' | 'configYaml' | 'variants' | 'topPrompt' | 'topDatasetName' | 'appVersion'
  > {
  startTime: Date;
  endTime: Date;
  durationSeconds: number;
  runDurationSeconds: number;
  status: RunStatus;
  runs: AnswerRunSummary[];
  /** Every answered sample, run by run in position order. */
  samples: AnswerSampleEntry[];
  findings: AnswerFindings;
  generation: GenerationRecord;
  /** The researcher's notes and tags (a report rebuilt from the history); absent for a job just run. */
  annotations?: Annotations | null;
}

/** CoTLab's classification records: input cut to 500 characters, the full prompt, the response and the verdict. */
const INPUT_PREVIEW_CHARS = 500;

function value(estimate: Estimate): number | null {
  return estimate.value;
}

/**
 * CoTLab's `metrics` of one run: for true/false classes the scores of `true` with the four counts, otherwise
 * macro averages; our keys say which.
 */
function cotlabMetrics(metrics: VariantAnswerMetrics | undefined, runs: number): Record<string, unknown> {
  if (metrics === undefined) return { num_runs: runs };
  const binary = metrics.labels.length === 2 && metrics.labels[0] === 'false' && metrics.labels[1] === 'true';
  const base = {
    accuracy: value(metrics.accuracy),
    total: metrics.samples,
    correct: metrics.correct,
    scored: metrics.scored,
    parse_failures: metrics.samples - metrics.scored - metrics.unscored_gold,
    num_runs: runs,
  };
  if (binary) {
    const positive = metrics.per_class[1];
    const [[tn = 0, fp = 0] = [], [fn = 0, tp = 0] = []] = metrics.confusion;
    return {
      ...base,
      precision: positive?.precision.value ?? null,
      recall: positive?.recall.value ?? null,
      f1: positive?.f1 ?? null,
      true_positives: tp,
      false_positives: fp,
      true_negatives: tn,
      false_negatives: fn,
      averaging: 'binary (positive class true)',
    };
  }
  const mean = (values: (number | null)[]): number | null => {
    const present = values.filter((entry): entry is number => entry !== null);
    return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
  };
  return {
    ...base,
    precision: mean(metrics.per_class.map((entry) => entry.precision.value ?? (entry.support > 0 ? 0 : null))),
    recall: mean(metrics.per_class.filter((entry) => entry.support > 0).map((entry) => entry.recall.value)),
    f1: value(metrics.macro_f1),
    averaging: 'macro',
  };
}

/** results.json: CoTLab's keys (metrics of the first run, one record per sample) then ours. */
export function buildAnswerResultsJson(input: AnswerReportInput): Record<string, unknown> {
  const samples = input.samples.map((entry) => ({
    sample_idx: entry.datasetIndex,
    input: entry.text === null ? null : entry.text.slice(0, INPUT_PREVIEW_CHARS),
    prompt: entry.prompt,
    response: entry.rawOutput,
    predicted: entry.parsedValue,
    ground_truth: entry.label,
    correct: entry.correct,
    run: entry.run,
    position: entry.position,
    parse_status: entry.parseStatus,
    parse_detail: entry.parseDetail,
    predicted_class: entry.predicted,
    gold_class: entry.gold,
    generated_tokens: entry.generatedTokens,
    stop_reason: entry.stopReason,
  }));
  return {
    metadata: { config: input.config, start_time: pythonIsoformat(input.startTime) },
    experiment: input.experimentName,
    model: input.modelName,
    prompt_strategy: input.promptStrategyName,
    metrics: cotlabMetrics(input.findings.variants[0], input.runs.length),
    raw_outputs: [{ runs: input.runs.map((run) => ({ ...run, metrics: input.findings.variants.find((metrics) => metrics.run === run.name) ?? null })) }],
    num_samples: samples.length,
    samples,
    end_time: pythonIsoformat(input.endTime),
    duration_seconds: input.durationSeconds,
    generation: input.generation,
    classification: input.findings,
    app: { name: 'cotlab-workbench', version: input.appVersion },
  };
}

// ------------------------------------------------------------------------------------------------------ Markdown

function percent(estimate: Estimate): string {
  if (estimate.value === null) return '–';
  const interval = estimate.ci === null ? '' : ` [${(estimate.ci.low * 100).toFixed(1)}, ${(estimate.ci.high * 100).toFixed(1)}]`;
  return `${(estimate.value * 100).toFixed(1)}%${interval}`;
}

function pValue(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

function failuresText(metrics: VariantAnswerMetrics): string {
  const entries = Object.entries(metrics.parse_failures);
  return entries.length === 0 ? 'none' : entries.map(([status, count]) => `${status.replaceAll('_', ' ')} ${count}`).join(', ');
}

export function metricsTable(findings: AnswerFindings): string {
  const level = Math.round(findings.confidence_level * 100);
  const head = `| Variant | Scored / samples | Accuracy | Balanced accuracy | Macro-F1 | Parse failures |\n|---|---:|---:|---:|---:|---|\n`;
  const rows = findings.variants.map(
    (m) =>
      `| ${m.run} | ${m.scored} / ${m.samples} | ${percent(m.accuracy)} | ${percent(m.balanced_accuracy)} | ${percent(m.macro_f1)} | ${percent(m.parse_failure_rate)} (${failuresText(m)}) |\n`,
  );
  return `${head}${rows.join('')}\nIntervals: ${level}% percentile bootstrap, ${findings.bootstrap_resamples} resamples, seed ${findings.seed}. Accuracy, balanced accuracy and macro-F1 are over scored samples only: an answer that could not be read is a parse failure, never counted right or wrong.\n`;
}

function perClassTable(metrics: VariantAnswerMetrics): string {
  const head = '| Class | Support | Predicted | Precision | Recall | F1 |\n|---|---:|---:|---:|---:|---:|\n';
  const rows = metrics.per_class.map(
    (entry) => `| ${entry.label} | ${entry.support} | ${entry.predicted} | ${percent(entry.precision)} | ${percent(entry.recall)} | ${entry.f1 === null ? '–' : entry.f1.toFixed(3)} |\n`,
  );
  return head + rows.join('');
}

function confusionTable(metrics: VariantAnswerMetrics): string {
  const head = `| gold \\ predicted | ${metrics.labels.join(' | ')} |\n|---|${metrics.labels.map(() => '---:').join('|')}|\n`;
  const rows = metrics.confusion.map((row, g) => `| ${metrics.labels[g]} | ${row.join(' | ')} |\n`);
  return head + rows.join('');
}

export function mcnemarLine(test: McNemarResult): string {
  if (test.not_tested !== null) return `- **${test.run_a} vs ${test.run_b}:** not tested: ${test.not_tested}.\n`;
  return (
    `- **${test.run_a} vs ${test.run_b}:** ${test.paired_samples} paired samples (${test.excluded} left out for an unreadable answer); ` +
    `only ${test.run_a} right ${test.only_a_correct}, only ${test.run_b} right ${test.only_b_correct}; exact p = ${pValue(test.p_value)}, ` +
    `Holm-adjusted ${pValue(test.p_value_holm)}${test.significant ? ' (differs beyond chance)' : ''}\n`
  );
}

function generationSection(input: AnswerReportInput): string {
  const g = input.generation;
  const decoding = g.do_sample ? `sampling, temperature ${g.temperature}, top-p ${g.top_p}, seed ${g.sampling_seed}` : 'greedy (argmax)';
  const stops = Object.entries(g.stop_strings)
    .map(([run, strings]) => `${run}: ${strings.length === 0 ? 'none' : strings.map((stop) => `\`${JSON.stringify(stop)}\``).join(', ')}`)
    .join('; ');
  let text =
    '## Generation\n\n' +
    `- **Decoding:** ${decoding}, at most ${g.max_new_tokens} new tokens, stopping at EOS and at stop strings (${stops})\n` +
    `- **Model:** ${g.model_type} (\`${g.model_dir}\`), ${g.kv_cache ? 'KV cache' : 'no KV cache (every token recomputed)'}\n` +
    `- **Execution provider:** ${g.execution_provider.toUpperCase()}${g.execution_provider_note ? ` (${g.execution_provider_note})` : ''}\n` +
    `- **Max input tokens:** ${g.max_input_tokens ?? 'no limit'}\n` +
    `- **Answer cue:** ${g.answer_cue === null ? 'none' : `\`${JSON.stringify(g.answer_cue)}\``}\n`;
  if (g.demo_model) {
    text += '\n> **Warning:** this run used the bundled demo model, whose weights are random. Its answers only demonstrate the pipeline.\n';
  }
  return text;
}

function title(input: AnswerReportInput): string {
  const name = input.experimentName === 'classification' ? 'Classification' : input.experimentName;
  return input.variants.length === 0 ? name : `${name}: ${input.variants.map((variant) => variant.name).join(' vs ')}`;
}

export function buildAnswerMarkdown(input: AnswerReportInput, outputDir: string): string {
  const started = localDateTime(input.startTime);
  const header =
    `# Experiment: ${title(input)}\n\n**Status:** ${input.status}\n` +
    (input.status === 'Running' ? `**Started:** ${started}\n` : `**Started:** ${started}  \n**Duration:** ${formatDuration(input.runDurationSeconds)}\n`);
  const questions =
    '## Research Questions\n\n1. How accurately does the model answer under each prompt variant?\n2. Do the variants differ in accuracy beyond chance on the same samples?\n3. How often can the answers not be read in the asked format?\n';
  const notes = notesMarkdown(input.annotations);
  const sections = [header, ...(notes === null ? [] : [notes]), questions, configuration(input), fullConfiguration(input.configYaml), reproduce(input, outputDir), generationSection(input)];
  if (input.status !== 'Running') {
    const findings = input.findings;
    sections.push(`## Results\n\n${metricsTable(findings)}`);
    for (const metrics of findings.variants) {
      sections.push(`### ${metrics.run}\n\n${perClassTable(metrics)}\nConfusion matrix (rows: gold class, columns: predicted class):\n\n${confusionTable(metrics)}`);
    }
    sections.push(
      `## Between variants (McNemar's exact test)\n\n${findings.mcnemar.length === 0 ? '_A single variant: nothing was compared._\n' : findings.mcnemar.map(mcnemarLine).join('')}`,
    );
  }
  return sections.join('\n');
}

// ---------------------------------------------------------------------------------------------------------- HTML

function estimateCell(estimate: Estimate): string {
  if (estimate.value === null) return '<td class="num">–</td>';
  const interval = estimate.ci === null ? '' : `<br><span class="note">${formatNumber(estimate.ci.low, 3)} – ${formatNumber(estimate.ci.high, 3)}</span>`;
  return `<td class="num">${formatNumber(estimate.value, 3)}${interval}</td>`;
}

export function renderAnswerHtml(input: AnswerReportInput, options: { plotlyPath?: string } = {}): string {
  const findings = input.findings;
  const book = new ChartBook();
  const metricNames: [string, (m: VariantAnswerMetrics) => Estimate][] = [
    ['Accuracy', (m) => m.accuracy],
    ['Balanced accuracy', (m) => m.balanced_accuracy],
    ['Macro-F1', (m) => m.macro_f1],
  ];
  const traces = metricNames.map(([name, pick]) => ({
    type: 'bar',
    name,
    x: findings.variants.map((m) => m.run),
    y: findings.variants.map((m) => pick(m).value),
    error_y: {
      type: 'data',
      symmetric: false,
      array: findings.variants.map((m) => (pick(m).ci && pick(m).value !== null ? (pick(m).ci?.high ?? 0) - (pick(m).value ?? 0) : 0)),
      arrayminus: findings.variants.map((m) => (pick(m).ci && pick(m).value !== null ? (pick(m).value ?? 0) - (pick(m).ci?.low ?? 0) : 0)),
    },
  }));
  const level = Math.round(findings.confidence_level * 100);
  const bars = book.add(traces, { barmode: 'group', yaxis: { range: [0, 1], title: { text: 'Score' } }, height: 380, margin: { l: 60, r: 20, t: 30, b: 60 } }, `Scores per variant with ${level}% bootstrap intervals (scored samples only).`);
  const heatmaps = findings.variants
    .map((m) =>
      book.add(
        [{ type: 'heatmap', z: m.confusion, x: m.labels, y: m.labels, colorscale: 'Blues', text: m.confusion, texttemplate: '%{text}', showscale: false }],
        { xaxis: { title: { text: 'Predicted' }, type: 'category' }, yaxis: { title: { text: 'Gold' }, type: 'category', autorange: 'reversed' }, height: 320, margin: { l: 80, r: 20, t: 30, b: 60 } },
        `Confusion matrix of ${m.run} (rows gold, columns predicted).`,
      ),
    )
    .join('');
  const metricRows = findings.variants
    .map((m) => `<tr><td>${escapeHtml(m.run)}</td><td class="num">${m.scored} / ${m.samples}</td>${estimateCell(m.accuracy)}${estimateCell(m.balanced_accuracy)}${estimateCell(m.macro_f1)}${estimateCell(m.parse_failure_rate)}<td>${escapeHtml(failuresText(m))}</td></tr>`)
    .join('');
  const classRows = findings.variants
    .flatMap((m) => m.per_class.map((entry) => `<tr><td>${escapeHtml(m.run)}</td><td>${escapeHtml(entry.label)}</td><td class="num">${entry.support}</td><td class="num">${entry.predicted}</td>${estimateCell(entry.precision)}${estimateCell(entry.recall)}<td class="num">${formatNumber(entry.f1, 3)}</td></tr>`))
    .join('');
  const tests = findings.mcnemar
    .map((test) =>
      test.not_tested !== null
        ? `<tr><td>${escapeHtml(test.run_a)} vs ${escapeHtml(test.run_b)}</td><td colspan="5">${escapeHtml(test.not_tested)}</td></tr>`
        : `<tr${test.significant ? ' class="marked"' : ''}><td>${escapeHtml(test.run_a)} vs ${escapeHtml(test.run_b)}</td><td class="num">${test.paired_samples}</td><td class="num">${test.only_a_correct}</td><td class="num">${test.only_b_correct}</td><td class="num">${pValue(test.p_value)}</td><td class="num">${pValue(test.p_value_holm)}</td></tr>`,
    )
    .join('');
  const answers = input.samples
    .map(
      (entry) =>
        `<tr><td>${escapeHtml(entry.run)}</td><td class="num">${entry.datasetIndex}</td><td>${escapeHtml(entry.parseStatus)}</td><td>${escapeHtml(entry.predicted ?? '–')}</td><td>${escapeHtml(entry.gold ?? '–')}</td><td>${entry.correct === null ? '–' : entry.correct ? 'yes' : 'no'}</td><td><details><summary>${escapeHtml(entry.rawOutput.slice(0, 80))}</summary><pre>${escapeHtml(entry.rawOutput)}</pre></details></td></tr>`,
    )
    .join('');
  const demo = input.generation.demo_model
    ? '<div class="warning" role="note"><strong>Demo model.</strong> These answers come from the bundled demo model, whose weights are random; they only show that the pipeline works.</div>'
    : '';
  return renderReportPage({
    title: title(input),
    plotlyPath: options.plotlyPath,
    charts: book.charts,
    body: `<header>
<h1>${escapeHtml(title(input))}</h1>
<p class="meta">Model ${escapeHtml(input.modelName)} · ${input.generation.do_sample ? 'sampled' : 'greedy'} answers, at most ${input.generation.max_new_tokens} tokens · generated ${escapeHtml(pythonIsoformat(input.endTime))}</p>
</header>
${demo}
${notesHtml(input.annotations)}
<section>
<h2>Scores per variant</h2>
${bars}
<div class="table-scroll"><table><thead><tr><th>Variant</th><th class="num">Scored / samples</th><th class="num">Accuracy</th><th class="num">Balanced accuracy</th><th class="num">Macro-F1</th><th class="num">Parse-failure rate</th><th>Parse failures</th></tr></thead><tbody>${metricRows}</tbody></table></div>
<p class="note">${level}% percentile bootstrap intervals (${findings.bootstrap_resamples} resamples, seed ${escapeHtml(String(findings.seed))}). Unreadable answers are parse failures, never counted right or wrong.</p>
</section>
<section>
<h2>Per class</h2>
<div class="table-scroll"><table><thead><tr><th>Variant</th><th>Class</th><th class="num">Support</th><th class="num">Predicted</th><th class="num">Precision</th><th class="num">Recall</th><th class="num">F1</th></tr></thead><tbody>${classRows}</tbody></table></div>
${heatmaps}
</section>
<section>
<h2>Between variants (McNemar's exact test)</h2>
${findings.mcnemar.length === 0 ? '<p>A single variant: nothing was compared.</p>' : `<table><thead><tr><th>Pair</th><th class="num">Paired samples</th><th class="num">Only A right</th><th class="num">Only B right</th><th class="num">p</th><th class="num">p (Holm)</th></tr></thead><tbody>${tests}</tbody></table>`}
</section>
<section>
<h2>Answers</h2>
<div class="table-scroll"><table><thead><tr><th>Variant</th><th class="num">Sample</th><th>Parse status</th><th>Predicted</th><th>Gold</th><th>Correct</th><th>Raw output</th></tr></thead><tbody>${answers}</tbody></table></div>
</section>`,
  });
}

// ----------------------------------------------------------------------------------------------------------- CSV

const ANSWER_COLUMNS: ReadonlyArray<readonly [string, (entry: AnswerSampleEntry) => string | number | null]> = [
  ['run', (entry) => entry.run],
  ['position', (entry) => entry.position],
  ['sample_idx', (entry) => entry.datasetIndex],
  ['gold_label', (entry) => (entry.label === null ? null : String(entry.label))],
  ['gold_class', (entry) => entry.gold],
  ['parse_status', (entry) => entry.parseStatus],
  ['parsed_value', (entry) => (entry.parsedValue === null ? null : String(entry.parsedValue))],
  ['predicted_class', (entry) => entry.predicted],
  ['correct', (entry) => (entry.correct === null ? null : entry.correct ? 'true' : 'false')],
  ['generated_tokens', (entry) => entry.generatedTokens],
  ['stop_reason', (entry) => entry.stopReason],
  ['parse_detail', (entry) => entry.parseDetail],
  ['raw_output', (entry) => entry.rawOutput],
];

/** One row per answered sample (RFC 4180, CRLF). */
export function answersCsv(samples: readonly AnswerSampleEntry[]): string {
  const lines = [ANSWER_COLUMNS.map(([name]) => name).join(',')];
  for (const entry of samples) lines.push(ANSWER_COLUMNS.map(([, read]) => csvField(read(entry))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** One row per variant and metric (per class included), with its interval. */
export function answerMetricsCsv(findings: AnswerFindings): string {
  const lines = ['run,metric,class,value,ci_low,ci_high'];
  const row = (run: string, metric: string, label: string | null, estimate: Estimate) =>
    [run, metric, label, estimate.value, estimate.ci?.low ?? null, estimate.ci?.high ?? null].map((cell) => csvField(cell)).join(',');
  for (const m of findings.variants) {
    lines.push(row(m.run, 'accuracy', null, m.accuracy), row(m.run, 'balanced_accuracy', null, m.balanced_accuracy), row(m.run, 'macro_f1', null, m.macro_f1));
    lines.push(row(m.run, 'parse_failure_rate', null, m.parse_failure_rate));
    for (const entry of m.per_class) lines.push(row(m.run, 'precision', entry.label, entry.precision), row(m.run, 'recall', entry.label, entry.recall));
  }
  return `${lines.join('\r\n')}\r\n`;
}

// --------------------------------------------------------------------------------------------------------- files

export interface AnswerReportPaths {
  configJson: string;
  resultsJson: string;
  experimentMd: string;
  html: string;
  answersCsv: string;
  metricsCsv: string;
}


/** Writes config.json, results.json, EXPERIMENT.md, report.html, answers.csv and metrics.csv into `dir`. */
export async function writeAnswerReport(dir: string, input: AnswerReportInput): Promise<AnswerReportPaths> {
  const paths: AnswerReportPaths = {
    configJson: path.join(dir, 'config.json'),
    resultsJson: path.join(dir, 'results.json'),
    experimentMd: path.join(dir, 'EXPERIMENT.md'),
    html: path.join(dir, 'report.html'),
    answersCsv: path.join(dir, 'answers.csv'),
    metricsCsv: path.join(dir, 'metrics.csv'),
  };
  try {
    await mkdir(dir, { recursive: true });
  } catch (cause) {
    throw new ReportWriteError(dir, { cause });
  }
  await writeTextFile(paths.configJson, `${stringifyJsonExact(input.config, 2)}\n`);
  await writeTextFile(paths.resultsJson, `${stringifyJsonExact(buildAnswerResultsJson(input), 2)}\n`);
  await writeTextFile(paths.experimentMd, buildAnswerMarkdown(input, dir));
  await writeTextFile(paths.html, renderAnswerHtml(input));
  await writeTextFile(paths.answersCsv, answersCsv(input.samples));
  await writeTextFile(paths.metricsCsv, answerMetricsCsv(input.findings));
  return paths;
}
