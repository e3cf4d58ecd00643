/**
 * The report of a logit lens experiment: results.json (CoTLab's top-level keys; per run and layer the summary, per
 * sample and layer the top tokens and the gold token's rank and probability), EXPERIMENT.md, an HTML page with a
 * layers x tokens heatmap per variant, and a CSV of every sample and layer.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringifyJsonExact } from '../config/exact-json.js';
import type { Sample } from '../datasets/sample.js';
import type { LensFindings, LensRunSummary } from '../results/logit-lens.js';
import type { AnswerReportInput, AnswerRunSummary } from './answer-report.js';
import { csvField } from './csv.js';
import { configuration, formatDuration, fullConfiguration, reproduce } from './experiment-md.js';
import { ChartBook, escapeHtml, formatNumber, renderReportPage } from './html-page.js';
import { localDateTime, pythonIsoformat } from './local-time.js';
import { notesHtml, notesMarkdown } from './notes-section.js';
import { ReportWriteError } from './write-report.js';

/** One sample's lens: its gold token and, per layer, the top tokens (with text) and the gold token's fate. */
export interface LensSampleEntry {
  run: string;
  position: number;
  datasetIndex: number;
  label: Sample['label'];
  goldText: string;
  goldToken: number;
  goldTokenText: string;
  layers: { layer: number; top: { token_id: number; token: string; prob: number }[]; gold_rank: number; gold_prob: number }[];
}

export interface LensReportInput
  extends Pick<
    AnswerReportInput,
    | 'config'
    | 'experimentName'
    | 'modelName'
    | 'promptStrategyName'
    | 'reproduceCommand'
    | 'configYaml'
    | 'variants'
    | 'topPrompt'
    | 'topDatasetName'
    | 'appVersion'
    | 'startTime'
    | 'endTime'
    | 'durationSeconds'
    | 'runDurationSeconds'
    | 'status'
    | 'annotations'
  > {
  runs: AnswerRunSummary[];
  samples: LensSampleEntry[];
  findings: LensFindings;
  /** What was read and how: the capture point, the answer cue, the model. */
  lens: { hook: string; answer_cue: string | null; max_input_tokens: number | null; execution_provider: string; model_type: string; model_dir: string; demo_model: boolean };
}

export function buildLensResultsJson(input: LensReportInput): Record<string, unknown> {
  return {
    metadata: { config: input.config, start_time: pythonIsoformat(input.startTime) },
    experiment: input.experimentName,
    model: input.modelName,
    prompt_strategy: input.promptStrategyName,
    metrics: { num_runs: input.runs.length, top_k: input.findings.top_k, num_layers: input.findings.runs[0]?.layers.length ?? 0 },
    raw_outputs: [{ runs: input.runs.map((run) => ({ ...run, lens: input.findings.runs.find((summary) => summary.run === run.name) ?? null })) }],
    num_samples: input.samples.length,
    samples: input.samples.map((entry) => ({
      sample_idx: entry.datasetIndex,
      run: entry.run,
      position: entry.position,
      ground_truth: entry.label,
      gold_text: entry.goldText,
      gold_token_id: entry.goldToken,
      gold_token: entry.goldTokenText,
      layers: entry.layers,
    })),
    end_time: pythonIsoformat(input.endTime),
    duration_seconds: input.durationSeconds,
    lens: { ...input.lens, gold_rule: input.findings.gold_rule },
    app: { name: 'cotlab-workbench', version: input.appVersion },
  };
}

function layerTable(summary: LensRunSummary): string {
  const head = '| Layer | Mean gold probability | Median gold rank | Gold is top-1 | Most frequent top-1 tokens |\n|---:|---:|---:|---:|---|\n';
  const rows = summary.layers.map(
    (layer) =>
      `| ${layer.layer} | ${layer.mean_gold_prob.toFixed(4)} | ${layer.median_gold_rank} | ${(layer.gold_top1_rate * 100).toFixed(1)}% | ${layer.top_tokens.map((token) => `\`${JSON.stringify(token.token)}\` (${token.samples})`).join(', ')} |\n`,
  );
  return head + rows.join('');
}

export function buildLensMarkdown(input: LensReportInput, outputDir: string): string {
  const started = localDateTime(input.startTime);
  const name = `Logit Lens${input.variants.length === 0 ? '' : `: ${input.variants.map((variant) => variant.name).join(' vs ')}`}`;
  const header =
    `# Experiment: ${name}\n\n**Status:** ${input.status}\n` +
    (input.status === 'Running' ? `**Started:** ${started}\n` : `**Started:** ${started}  \n**Duration:** ${formatDuration(input.runDurationSeconds)}\n`);
  const questions =
    '## Research Questions\n\n1. At which layer does the answer become readable from the residual stream?\n2. Which tokens does each layer predict on the way there?\n';
  const lens =
    '## Logit Lens\n\n' +
    `- **Read:** the residual stream after each layer (\`${input.lens.hook}\`) at the last prompt token, through the model's own final norm and LM head (no second forward pass)\n` +
    `- **Gold token:** ${input.findings.gold_rule}\n` +
    `- **Answer cue:** ${input.lens.answer_cue === null ? 'none' : `\`${JSON.stringify(input.lens.answer_cue)}\``}\n` +
    `- **Model:** ${input.lens.model_type} (\`${input.lens.model_dir}\`) on ${input.lens.execution_provider.toUpperCase()}\n` +
    (input.lens.demo_model ? '\n> **Warning:** the bundled demo model has random weights; its lens only demonstrates the pipeline.\n' : '');
  const notes = notesMarkdown(input.annotations);
  const sections = [header, ...(notes === null ? [] : [notes]), questions, configuration(input), fullConfiguration(input.configYaml), reproduce(input, outputDir), lens];
  if (input.status !== 'Running') {
    for (const summary of input.findings.runs) {
      const golds = summary.gold_tokens.map((token) => `\`${JSON.stringify(token.token)}\` (${token.samples})`).join(', ');
      sections.push(`## ${summary.run}\n\n${summary.samples} samples; gold tokens: ${golds || 'none'}.\n\n${layerTable(summary)}`);
    }
  }
  return sections.join('\n');
}

export function renderLensHtml(input: LensReportInput, options: { plotlyPath?: string } = {}): string {
  const book = new ChartBook();
  const sections = input.findings.runs
    .map((summary) => {
      const tokens = [...new Map(summary.layers.flatMap((layer) => layer.top_tokens.map((token) => [token.token_id, token.token] as const))).entries()];
      // Cell: the share of samples whose top-1 token at that layer is that token.
      const z = summary.layers.map((layer) => tokens.map(([id]) => (layer.top_tokens.find((token) => token.token_id === id)?.samples ?? 0) / Math.max(1, summary.samples)));
      const heatmap = book.add(
        [{ type: 'heatmap', z, x: tokens.map(([id, text]) => `${JSON.stringify(text)} #${id}`), y: summary.layers.map((layer) => `layer ${layer.layer}`), colorscale: 'Blues', zmin: 0, zmax: 1 }],
        { height: 120 + 26 * summary.layers.length, margin: { l: 90, r: 20, t: 30, b: 120 }, xaxis: { type: 'category', title: { text: 'Top-1 token' } }, yaxis: { type: 'category' } },
        `${summary.run}: share of samples whose most probable token at each layer is the column's token.`,
      );
      const gold = book.add(
        [{ type: 'scatter', mode: 'lines+markers', x: summary.layers.map((layer) => layer.layer), y: summary.layers.map((layer) => layer.mean_gold_prob), name: 'mean gold probability' }],
        { height: 320, margin: { l: 60, r: 20, t: 30, b: 50 }, xaxis: { title: { text: 'Layer' } }, yaxis: { title: { text: 'Probability' }, rangemode: 'tozero' } },
        `${summary.run}: mean probability of the gold answer's first token per layer.`,
      );
      const rows = summary.layers
        .map((layer) => `<tr><td class="num">${layer.layer}</td><td class="num">${formatNumber(layer.mean_gold_prob)}</td><td class="num">${layer.median_gold_rank}</td><td class="num">${(layer.gold_top1_rate * 100).toFixed(1)}%</td><td>${layer.top_tokens.map((token) => escapeHtml(`${JSON.stringify(token.token)} (${token.samples})`)).join(', ')}</td></tr>`)
        .join('');
      return `<section><h2>${escapeHtml(summary.run)}</h2>${heatmap}${gold}<table><thead><tr><th class="num">Layer</th><th class="num">Mean gold probability</th><th class="num">Median gold rank</th><th class="num">Gold is top-1</th><th>Most frequent top-1 tokens</th></tr></thead><tbody>${rows}</tbody></table></section>`;
    })
    .join('');
  const demo = input.lens.demo_model ? '<div class="warning" role="note"><strong>Demo model.</strong> Random weights: this lens only shows that the pipeline works.</div>' : '';
  return renderReportPage({
    title: `Logit lens: ${input.modelName}`,
    plotlyPath: options.plotlyPath,
    charts: book.charts,
    body: `<header><h1>Logit lens</h1><p class="meta">Model ${escapeHtml(input.modelName)} · top ${input.findings.top_k} tokens per layer · ${escapeHtml(input.findings.gold_rule)}</p></header>${demo}${notesHtml(input.annotations)}${sections}`,
  });
}

/** One row per sample and layer. */
export function lensCsv(samples: readonly LensSampleEntry[]): string {
  const lines = ['run,position,sample_idx,layer,gold_token_id,gold_token,gold_rank,gold_prob,top1_token_id,top1_token,top1_prob'];
  for (const entry of samples) {
    for (const layer of entry.layers) {
      const top = layer.top[0];
      lines.push(
        [entry.run, entry.position, entry.datasetIndex, layer.layer, entry.goldToken, entry.goldTokenText, layer.gold_rank, layer.gold_prob, top?.token_id ?? null, top?.token ?? null, top?.prob ?? null]
          .map((cell) => csvField(cell))
          .join(','),
      );
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

export async function writeLensReport(dir: string, input: LensReportInput): Promise<string> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (cause) {
    throw new ReportWriteError(dir, { cause });
  }
  const files: [string, string][] = [
    ['config.json', `${stringifyJsonExact(input.config, 2)}\n`],
    ['results.json', `${stringifyJsonExact(buildLensResultsJson(input), 2)}\n`],
    ['EXPERIMENT.md', buildLensMarkdown(input, dir)],
    ['report.html', renderLensHtml(input)],
    ['lens.csv', lensCsv(input.samples)],
  ];
  for (const [name, text] of files) {
    const file = path.join(dir, name);
    try {
      await writeFile(`${file}.partial`, text, 'utf8');
      await rename(`${file}.partial`, file);
    } catch (cause) {
      throw new ReportWriteError(file, { cause });
    }
  }
  return dir;
}
