import type { PairAnalysis } from '../analytics/divergence.js';
import type { LabelGroupSummary as LabelGroup } from '../analytics/label-breakdown.js';
import { analysisFor, layerRows, type LayerRow } from '../analytics/layer-rows.js';
import { mean } from '../analytics/summary-stats.js';
import { findingsOfPair, type PairFindings } from '../results/findings.js';
import type { ProbeRecord } from '../results/probe-record.js';
import type { LayerScore } from '../results/rankings.js';
import { differingSettings, distinguishingEntries, describeEntries, settingEntries, SETTING_LABELS, type NamedRunSettings } from '../results/run-settings.js';
import type { Annotations } from './types.js';
import type { ActivationCompareMetrics, CaptureRecord, Comparison, RunSummary } from '../results/types.js';
import { notesHtml } from './notes-section.js';
import { ChartBook, chartLayout, escapeHtml, formatNumber, PALETTE, plotlyText, renderReportPage } from './html-page.js';

export { HtmlReportError, plotlyBundlePath } from './html-page.js';

/** Everything the HTML report shows. */
export interface HtmlReportInput {
  title: string;
  /** When the report was made, as it should be printed (e.g. an ISO timestamp). */
  generatedAt: string;
  /** Model name (results.json `model`). */
  model: string;
  metrics: ActivationCompareMetrics;
  runs: RunSummary[];
  comparisons: Comparison[];
  /** How activations were captured; null when unknown (e.g. a report rebuilt from a CoTLab results.json). */
  capture: CaptureRecord | null;
  /** Statistical analyses of the compared pairs (matched to comparisons by run names). */
  analyses?: PairAnalysis[];
  /** The findings of every compared pair (matched to comparisons by run names). */
  findings: PairFindings[];
  /** Linear probes of the runs' stored vectors, if any were made. */
  probes?: ProbeRecord[];
  /** Each run's settings, in run order (what tells the runs apart is shown from them). */
  runSettings: NamedRunSettings[];
  /** The researcher's notes and tags; null or absent when there are none. */
  annotations?: Annotations | null;
}

export interface HtmlReportOptions {
  /** plotly.min.js to inline; defaults to the installed plotly.js-dist-min. */
  plotlyPath?: string;
}

function formatP(value: number | null): string {
  if (value === null) return '–';
  return value < 0.001 ? value.toExponential(1) : value.toFixed(3);
}

function formatInterval(low: number | undefined, high: number | undefined): string {
  return low === undefined || high === undefined ? '–' : `${formatNumber(low)} – ${formatNumber(high)}`;
}

/** A metric line with an optional shaded band (upper edge drawn first, lower edge filled up to it). */
function lineWithBand(
  name: string,
  layers: number[],
  values: number[],
  band: { low: number[]; high: number[] } | null,
  colour: string,
): unknown[] {
  const line = { type: 'scatter', mode: 'lines+markers', name: plotlyText(name), x: layers, y: values, line: { color: colour, width: 2 }, marker: { size: 5 } };
  if (band === null) return [line];
  const edge = { type: 'scatter', mode: 'lines', x: layers, line: { width: 0, color: colour }, showlegend: false, hoverinfo: 'skip' };
  return [
    { ...edge, name: '95% CI upper', y: band.high },
    { ...edge, name: '95% CI', y: band.low, fill: 'tonexty', fillcolor: `${colour}33`, showlegend: true },
    line,
  ];
}

function bandFrom(rows: LayerRow[], pick: (row: LayerRow) => { low: number; high: number } | null): { low: number[]; high: number[] } | null {
  const intervals = rows.map(pick);
  if (intervals.some((interval) => interval === null)) return null;
  return {
    low: intervals.map((interval) => (interval as { low: number }).low),
    high: intervals.map((interval) => (interval as { high: number }).high),
  };
}

interface PairView {
  comparison: Comparison;
  analysis: PairAnalysis | undefined;
  findings: PairFindings | undefined;
  rows: LayerRow[];
  label: string;
}

/** The row with the smallest (direction lowest) or largest value, the first layer on ties. */
function extremeRow(rows: LayerRow[], value: (row: LayerRow) => number, direction: 'lowest' | 'highest'): LayerRow {
  const sign = direction === 'lowest' ? 1 : -1;
  return [...rows].sort((x, y) => sign * (value(x) - value(y)) || x.layer - y.layer)[0] as LayerRow;
}

function listLayers(scores: readonly LayerScore[]): string {
  return scores.map(({ layer, value }) => `layer ${layer} (${formatNumber(value)})`).join(', ');
}

function pairFindingItems(view: PairView): string {
  const { comparison, analysis, findings, rows } = view;
  const items: string[] = [
    `Mean over layers (as CoTLab): cosine similarity ${formatNumber(comparison.mean_cosine_similarity)}, L2 distance ${formatNumber(comparison.mean_l2_distance)}.`,
  ];
  if (findings !== undefined && findings.lowest_cosine_layers.length > 0) {
    items.push(`Lowest cosine similarity: ${listLayers(findings.lowest_cosine_layers)}.`);
    items.push(`Highest L2 distance: ${listLayers(findings.highest_l2_layers)}.`);
  }
  if (analysis !== undefined) {
    const sizes = `${analysis.sizeA} and ${analysis.sizeB} samples`;
    const tested = rows.filter((row) => row.pValueHolm !== null);
    const beyond = findings?.layers_beyond_chance ?? null;
    if (tested.length > 0 && findings !== undefined && beyond !== null) {
      const level = findings.significance_level;
      const unadjusted = tested.filter((row) => (row.pValue as number) < level).length;
      const smallest = 1 / (analysis.options.nPerm + 1);
      items.push(
        `${beyond.length} of ${tested.length} layers differ at p &lt; ${level} after Holm adjustment for testing every layer ` +
          `(${unadjusted} before adjustment; permutation test on the L2 distance of the means, ${analysis.options.nPerm} resamples, ` +
          `${analysis.resampling === 'paired' ? 'swapping within pairs' : 'shuffling run labels'}; ` +
          `the smallest attainable p is ${formatP(smallest)}).`,
      );
      // Holm multiplies the smallest p by the number of layers: too few permutations can never pass.
      if (smallest * tested.length >= level) {
        const needed = Math.ceil(tested.length / level);
        items.push(
          `With ${analysis.options.nPerm} permutations and ${tested.length} layers no layer can reach a Holm-adjusted p below ${level}; ` +
            `use at least ${needed} permutations.`,
        );
      }
    }
    const aboveNoise = rows.filter((row) => row.l2NoiseFloor !== null);
    if (aboveNoise.length > 0) {
      const within = aboveNoise.filter((row) => (row.l2Debiased as number) === 0).length;
      items.push(
        `Sampling noise alone would give an L2 distance of about ${formatNumber(mean(aboveNoise.map((row) => row.l2NoiseFloor as number)))} ` +
          `on average over layers; ${within} of ${aboveNoise.length} layers are within that noise floor.`,
      );
    }
    if (findings !== undefined && findings.highest_relative_l2_layers.length > 0) {
      items.push(`Highest relative L2 (distance ÷ mean norm): ${listLayers(findings.highest_relative_l2_layers)}.`);
    }
    const separated = rows.filter((row) => row.cohensDHeldOut !== null);
    if (separated.length > 0) {
      const best = extremeRow(separated, (row) => row.cohensDHeldOut as number, 'highest');
      items.push(
        `Best separated layer along the difference of means, scored on held-out samples: layer ${best.layer} (Cohen's d ${formatNumber(best.cohensDHeldOut, 2)}).`,
      );
    }
    if (analysis.paired) {
      const withCka = rows.filter((row) => row.cka !== null);
      if (withCka.length > 0) {
        const low = extremeRow(withCka, (row) => row.cka as number, 'lowest');
        const high = extremeRow(withCka, (row) => row.cka as number, 'highest');
        items.push(`Linear CKA between the paired samples ranges from ${formatNumber(low.cka)} (layer ${low.layer}) to ${formatNumber(high.cka)} (layer ${high.layer}).`);
      }
    }
    if (Math.min(analysis.sizeA, analysis.sizeB) < 10) {
      items.push(`Only ${sizes}: intervals and p-values from so few samples are rough.`);
    }
  }
  // Items are built from escaped names and formatted numbers only.
  return `<h3>${escapeHtml(view.label)}</h3><ul>${items.map((item) => `<li>${item}</li>`).join('')}</ul>`;
}

function configurationTable(input: HtmlReportInput): string {
  const { capture, metrics } = input;
  const firstAnalysis = input.analyses?.[0];
  const layers = input.runs[0]?.layer_indices ?? [];
  const rows: Array<[string, string]> = [
    ['Model', input.model],
    ['Pooling', metrics.pooling],
    ['Comparison mode', metrics.comparison_mode],
    ['Layers', layers.length > 0 ? `${metrics.num_layers} (${layers[0]} to ${layers[layers.length - 1]})` : String(metrics.num_layers)],
    ['Runs / compared pairs', `${metrics.num_runs} / ${metrics.pair_count}`],
  ];
  if (capture !== null) {
    rows.push(
      ['Model type', capture.model_type],
      ['Model directory', capture.model_dir],
      ['Captured point', `${capture.hook}: ${capture.hook_description}`],
      ['Execution provider', capture.execution_provider_note === null ? capture.execution_provider : `${capture.execution_provider} (${capture.execution_provider_note})`],
      ['Input token limit', capture.max_input_tokens === null ? 'none' : String(capture.max_input_tokens)],
      ['Truncated samples', String(capture.truncated_samples)],
      ['Answer cue', capture.answer_cue === null ? 'none' : JSON.stringify(capture.answer_cue)],
    );
  }
  if (firstAnalysis !== undefined) {
    const { nBoot, nPerm, seed } = firstAnalysis.options;
    rows.push(['Statistics', `${nBoot} bootstrap resamples (${Math.round(firstAnalysis.confidenceLevel * 100)}% percentile intervals), ${nPerm} permutations, seed ${seed}`]);
  }
  return `<table class="config"><tbody>${rows.map(([key, value]) => `<tr><th scope="row">${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</tbody></table>`;
}

function runsTable(runs: RunSummary[], settings: readonly NamedRunSettings[]): string {
  const distinguishing = distinguishingEntries(settings.map((run) => run.settings));
  const body = runs
    .map((run, i) => {
      const systemPrompt =
        run.system_prompt === null
          ? 'none'
          : `<details><summary>${escapeHtml(run.system_prompt.slice(0, 60))}${run.system_prompt.length > 60 ? '…' : ''}</summary><pre>${escapeHtml(run.system_prompt)}</pre></details>`;
      const differs = describeEntries(distinguishing[i] ?? []);
      return `<tr><td>${escapeHtml(run.name)}</td><td>${escapeHtml(differs === '' ? '–' : differs)}</td><td>${escapeHtml(run.dataset)}</td><td>${escapeHtml(run.prompt)}</td><td class="num">${run.num_samples}</td><td class="num">${run.seed}</td><td>${systemPrompt}</td></tr>`;
    })
    .join('');
  return `<table data-table="runs"><thead><tr><th>Run</th><th>Set apart by</th><th>Dataset</th><th>Prompt</th><th class="num">Samples</th><th class="num">Seed</th><th>System prompt</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** Every run's settings side by side; the rows that tell the runs apart come first and are marked. */
function settingsTable(runs: readonly NamedRunSettings[]): string {
  if (runs.length === 0) return '';
  const differing = differingSettings(runs.map((run) => run.settings));
  const entries = runs.map((run) => settingEntries(run.settings));
  const order = [...differing, ...SETTING_LABELS.map(([key]) => key).filter((key) => !differing.includes(key))];
  const labels = new Map(SETTING_LABELS);
  const rows = order
    .map((key) => {
      const cells = entries.map((list) => `<td>${escapeHtml(list.find((entry) => entry.key === key)?.value ?? '')}</td>`).join('');
      return `<tr${differing.includes(key) ? ' class="marked"' : ''}><th scope="row">${escapeHtml(labels.get(key) ?? key)}</th>${cells}</tr>`;
    })
    .join('');
  const lead =
    runs.length < 2
      ? ''
      : `<p class="note">${
          differing.length === 0 ? 'The runs share every setting.' : `What tells the runs apart (highlighted): ${escapeHtml(differing.map((key) => labels.get(key) ?? key).join(', '))}.`
        }</p>`;
  return `<h3>Run settings</h3>${lead}<div class="table-scroll"><table data-table="settings"><thead><tr><th>Setting</th>${runs.map((run) => `<th>${escapeHtml(run.name)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table></div>`;
}


function labelValue(label: LabelGroup['label']): string {
  return label === null ? '(no label)' : String(label);
}

/**
 * How each label group of each run sits against the other run's mean, at the pair's lowest-cosine layer: are the
 * runs apart as a whole, or through some of the labels only?
 */
function labelBreakdownTable(view: PairView): string {
  const target = view.findings?.lowest_cosine_layers[0];
  const layer = target === undefined ? undefined : view.analysis?.perLayer.find((entry) => entry.layer === target.layer);
  if (layer === undefined || layer.labels.length === 0) return '';
  const name = (run: 'a' | 'b') => (run === 'a' ? view.comparison.run_a : view.comparison.run_b);
  const other = (run: 'a' | 'b') => (run === 'a' ? view.comparison.run_b : view.comparison.run_a);
  const rows = layer.labels
    .map(
      (group) =>
        `<tr><td>${escapeHtml(name(group.run))}</td><td>${escapeHtml(labelValue(group.label))}</td><td class="num">${group.count}</td>` +
        `<td>${escapeHtml(other(group.run))}</td><td class="num">${formatNumber(group.cosineToOtherMean)}</td><td class="num">${formatNumber(group.l2ToOtherMean)}</td></tr>`,
    )
    .join('');
  return (
    `<h3>Per label at layer ${layer.layer}: ${escapeHtml(view.label)}</h3>` +
    `<p class="note">The mean of each label group of one run, compared with the other run's mean, at the layer of lowest cosine.</p>` +
    `<div class="table-scroll"><table data-table="labels"><thead><tr><th>Run</th><th>Label</th><th class="num">Samples</th><th>Against the mean of</th>` +
    `<th class="num">Cosine</th><th class="num">L2</th></tr></thead><tbody>${rows}</tbody></table></div>`
  );
}

function layerTable(view: PairView): string {
  const { rows, analysis, findings } = view;
  const lowest = new Set(findings?.lowest_cosine_layers.map(({ layer }) => layer));
  const highest = new Set(findings?.highest_l2_layers.map(({ layer }) => layer));
  const withAnalysis = analysis !== undefined;
  const centred = analysis?.centred === true;
  const paired = analysis?.paired === true;
  const head = [
    '<th class="num">Layer</th><th class="num">Cosine</th>',
    withAnalysis ? '<th class="num">95% CI</th>' : '',
    centred ? '<th class="num">Centred cosine</th>' : '',
    '<th class="num">L2</th>',
    withAnalysis
      ? '<th class="num">95% CI</th><th class="num">Noise floor</th><th class="num">Relative L2</th><th class="num">p</th><th class="num">p (Holm)</th>'
      : '',
    paired ? '<th class="num">CKA</th>' : '',
    withAnalysis ? '<th class="num">d (held-out)</th>' : '',
  ].join('');
  const body = rows
    .map((row) => {
      const cells = [
        `<td class="num">${row.layer}</td><td class="num">${formatNumber(row.cosine)}</td>`,
        withAnalysis ? `<td class="num">${formatInterval(row.cosineCi?.low, row.cosineCi?.high)}</td>` : '',
        centred ? `<td class="num">${formatNumber(row.centredCosine)}</td>` : '',
        `<td class="num">${formatNumber(row.l2)}</td>`,
        withAnalysis
          ? `<td class="num">${formatInterval(row.l2Ci?.low, row.l2Ci?.high)}</td><td class="num">${formatNumber(row.l2NoiseFloor)}</td>` +
            `<td class="num">${formatNumber(row.relativeL2)}</td><td class="num">${formatP(row.pValue)}</td><td class="num">${formatP(row.pValueHolm)}</td>`
          : '',
        paired ? `<td class="num">${formatNumber(row.cka)}</td>` : '',
        withAnalysis ? `<td class="num">${formatNumber(row.cohensDHeldOut, 2)}</td>` : '',
      ].join('');
      const marked = lowest.has(row.layer) || highest.has(row.layer) ? ' class="marked"' : '';
      return `<tr${marked}>${cells}</tr>`;
    })
    .join('');
  return `<h3>${escapeHtml(view.label)}</h3><div class="table-scroll"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** Collects chart specs and hands out the matching plot divs, so every chart has exactly one div. */
function pairCharts(view: PairView, colour: string, book: ChartBook): string {
  const { rows, label } = view;
  if (rows.length === 0) return `<p class="note">${escapeHtml(label)}: no per-layer values were stored (store_per_layer was off).</p>`;
  const layers = rows.map((row) => row.layer);
  const cosine = book.add(
    lineWithBand(label, layers, rows.map((row) => row.cosine), bandFrom(rows, (row) => row.cosineCi), colour),
    chartLayout(`Cosine similarity of run means: ${label}`, 'Cosine similarity'),
    `Cosine similarity between the two runs' mean vectors at each layer${view.analysis ? ', with 95% bootstrap interval' : ''}.`,
  );
  const l2 = book.add(
    lineWithBand(label, layers, rows.map((row) => row.l2), bandFrom(rows, (row) => row.l2Ci), colour),
    chartLayout(`L2 distance of run means: ${label}`, 'L2 distance'),
    `L2 distance between the two runs' mean vectors at each layer${view.analysis ? ', with 95% bootstrap interval' : ''}.`,
  );
  return cosine + l2;
}

function pcaChart(view: PairView, runs: RunSummary[], book: ChartBook): string {
  const { analysis, findings } = view;
  const target = findings?.lowest_cosine_layers[0];
  if (analysis === undefined || target === undefined) return '';
  const layer = analysis.perLayer.find((entry) => entry.layer === target.layer);
  if (layer === undefined) return '';
  const sampleText = (runName: string, count: number): string[] => {
    const indices = runs.find((run) => run.name === runName)?.sample_indices;
    return Array.from({ length: count }, (_, i) => (indices?.length === count ? `sample ${indices[i]}` : `sample #${i + 1}`));
  };
  const scatter = (name: string, points: Array<[number, number]>, colour: string): unknown => ({
    type: 'scatter',
    mode: 'markers',
    name: plotlyText(name),
    x: points.map((point) => point[0]),
    y: points.map((point) => point[1]),
    text: sampleText(name, points.length),
    hoverinfo: 'text+name',
    marker: { color: colour, size: 8, opacity: 0.8 },
  });
  const [ratio1, ratio2] = layer.pca.explainedVarianceRatio;
  const layout = {
    ...chartLayout(`Samples at layer ${layer.layer} (lowest cosine): ${view.label}`, `PC2 (${(ratio2 * 100).toFixed(1)}% of variance)`, `PC1 (${(ratio1 * 100).toFixed(1)}% of variance)`),
    hovermode: 'closest',
  };
  return book.add(
    [scatter(analysis.runA, layer.pca.coordinatesA, PALETTE[0] as string), scatter(analysis.runB, layer.pca.coordinatesB, PALETTE[1] as string)],
    layout,
    `Each point is one sample's pooled vector at layer ${layer.layer}, projected on the top two principal components of both runs' samples together.`,
  );
}

function normsChart(runs: RunSummary[], book: ChartBook): string {
  const traces = runs.map((run, i) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: plotlyText(run.name),
    x: run.layer_indices,
    y: run.mean_activation_norms,
    line: { color: PALETTE[i % PALETTE.length], width: 2 },
    marker: { size: 5 },
  }));
  return book.add(traces, chartLayout('Norm of each run\'s mean activation', 'L2 norm of the mean vector'), "L2 norm of each run's mean activation vector per layer (CoTLab's mean_activation_norms).");
}

function probeChart(probe: ProbeRecord, book: ChartBook): string {
  const layers = probe.layers.map((layer) => layer.layer);
  const level = Math.round(probe.settings.confidence_level * 100);
  const beyond = probe.layers.filter((layer) => probe.layers_beyond_chance.includes(layer.layer));
  const reference = (name: string, values: number[], dash: string) => ({
    type: 'scatter',
    mode: 'lines',
    name,
    x: layers,
    y: values,
    line: { color: '#5f6b7a', width: 1.5, dash },
  });
  const traces = [
    ...lineWithBand(
      'probe accuracy',
      layers,
      probe.layers.map((layer) => layer.accuracy),
      { low: probe.layers.map((layer) => layer.accuracy_ci[0]), high: probe.layers.map((layer) => layer.accuracy_ci[1]) },
      PALETTE[0] as string,
    ),
    reference('majority class', probe.layers.map((layer) => layer.majority_accuracy), 'dash'),
    reference('control task', probe.layers.map((layer) => layer.control_accuracy), 'dot'),
    {
      type: 'scatter',
      mode: 'markers',
      name: `beyond chance (Holm p < ${probe.settings.significance_level})`,
      x: beyond.map((layer) => layer.layer),
      y: beyond.map((layer) => layer.accuracy),
      marker: { symbol: 'star', size: 11, color: PALETTE[1] },
    },
  ];
  const label = probe.label_field === null ? 'label' : probe.label_field;
  return book.add(
    traces,
    chartLayout(`Probe accuracy by layer: ${probe.run} (${label})`, 'Held-out accuracy'),
    `Held-out accuracy of a linear probe per layer with ${level}% bootstrap interval, against the majority class and the control task (labels shuffled within each training part).`,
  );
}

function probeSection(probe: ProbeRecord, book: ChartBook): string {
  const beyond = new Set(probe.layers_beyond_chance);
  const body = probe.layers
    .map(
      (layer) =>
        `<tr${beyond.has(layer.layer) ? ' class="marked"' : ''}><td class="num">${layer.layer}</td><td class="num">${formatNumber(layer.accuracy, 3)} <span class="note">[${formatNumber(layer.accuracy_ci[0], 3)}, ${formatNumber(layer.accuracy_ci[1], 3)}]</span></td><td class="num">${formatNumber(layer.balanced_accuracy, 3)}</td><td class="num">${formatNumber(layer.macro_f1, 3)}</td><td class="num">${formatNumber(layer.majority_accuracy, 3)}</td><td class="num">${formatNumber(layer.control_accuracy, 3)}</td><td class="num">${formatNumber(layer.selectivity, 3)}</td><td class="num">${formatP(layer.p_value_holm)}</td></tr>`,
    )
    .join('');
  const classes = probe.classes.map((name, k) => `${escapeHtml(name)} (${probe.class_counts[k]})`).join(', ');
  const label = probe.label_field === null ? 'the dataset label' : `metadata field ${escapeHtml(probe.label_field)}`;
  return (
    `<h3>${escapeHtml(probe.run)}: ${label}</h3>` +
    `<p>${probe.samples} samples; classes ${classes}. Best layer ${probe.best_layer}; earliest within one standard error of it: layer ${probe.earliest_within_one_se}; ` +
    `${probe.layers_beyond_chance.length} of ${probe.layers.length} layers beyond chance after Holm adjustment.</p>` +
    probeChart(probe, book) +
    `<table><thead><tr><th class="num">Layer</th><th class="num">Accuracy</th><th class="num">Balanced</th><th class="num">Macro-F1</th><th class="num">Majority</th><th class="num">Control</th><th class="num">Selectivity</th><th class="num">p (Holm)</th></tr></thead><tbody>${body}</tbody></table>` +
    `<p class="note">Logistic probe (L2, C by ${probe.settings.inner_folds}-fold nested cross-validation), ${probe.settings.folds}-fold stratified cross-validation; p: ${probe.settings.permutations} relabellings of a ridge probe on the same folds.</p>`
  );
}

const DEMO_WARNING =
  '<div class="warning" role="note"><strong>Demo model.</strong> These activations come from the bundled demo model, whose weights are random. ' +
  'The numbers show that the pipeline works; they say nothing about any real model or about the clinical texts.</div>';

const READING_NOTE =
  '<p class="note">Residual-stream vectors share a large common component, so the cosine of two run means is often close to 1 ' +
  'whatever the inputs; read it with its bootstrap interval and the permutation p-value. Cohen\'s d (held-out) scores each sample on ' +
  'the difference-of-means direction fitted without it, so it is not inflated by fitting to noise. Resampling adds noise to each ' +
  'mean, so bootstrap intervals of the cosine tend to lie below the observed value and those of the L2 distance above it, ' +
  'sometimes not even containing it when samples are few and vectors long. The noise floor is the L2 distance two means of ' +
  'this many samples would show if the runs did not differ at all.</p>';

/**
 * One self-contained HTML page (plotly inlined, no network access, locked down by a Content-Security-Policy) with
 * the configuration, findings, per-layer charts with confidence bands, mean activation norms and per-layer tables.
 */
export function renderHtmlReport(input: HtmlReportInput, options: HtmlReportOptions = {}): string {
  const analyses = input.analyses ?? [];
  const views: PairView[] = input.comparisons.map((comparison) => {
    const analysis = analysisFor(comparison, analyses);
    const findings = findingsOfPair(input.findings, comparison.run_a, comparison.run_b);
    return { comparison, analysis, findings, rows: layerRows(comparison, analysis, findings), label: `${comparison.run_a} vs ${comparison.run_b}` };
  });
  const book = new ChartBook();
  const pairSections = views.map((view, i) => pairCharts(view, PALETTE[i % PALETTE.length] as string, book) + pcaChart(view, input.runs, book)).join('');
  const norms = input.runs.length > 0 ? normsChart(input.runs, book) : '';
  const findings = views.length > 0 ? views.map(pairFindingItems).join('') + (analyses.length > 0 ? READING_NOTE : '') : '<p>Only one run: nothing was compared.</p>';
  const tables = views.map(layerTable).join('');
  const probes = (input.probes ?? []).map((probe) => probeSection(probe, book)).join('');
  const labelTables = views.map(labelBreakdownTable).join('');

  return renderReportPage({
    title: input.title,
    plotlyPath: options.plotlyPath,
    charts: book.charts,
    body: `<header>
<h1>${escapeHtml(input.title)}</h1>
<p class="meta">Model ${escapeHtml(input.model)} · ${input.metrics.pooling === 'mean' ? 'mean pooling' : 'last-token pooling'} · generated ${escapeHtml(input.generatedAt)}</p>
</header>
${input.capture?.demo_model === true ? DEMO_WARNING : ''}
${notesHtml(input.annotations)}
<section>
<h2>Configuration</h2>
${configurationTable(input)}
<h3>Runs</h3>
${runsTable(input.runs, input.runSettings)}
${settingsTable(input.runSettings)}
</section>
<section>
<h2>Findings</h2>
${findings}
</section>
<section>
<h2>Per-layer comparison</h2>
${pairSections}
</section>
<section>
<h2>Mean activation norms</h2>
${norms}
</section>
<section>
<h2>Per-layer table</h2>
${tables}
</section>
${probes === '' ? '' : `<section>\n<h2>Probing</h2>\n${probes}\n</section>`}
${labelTables === '' ? '' : `<section>\n<h2>Per-label breakdown</h2>\n${labelTables}\n</section>`}`,
  });
}

