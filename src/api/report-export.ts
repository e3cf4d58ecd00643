import type { ComparisonView, ResultSet } from './contract.js';

/** Layer-by-layer metrics as CSV: one row per pair and layer, then one per run and layer (norms). */
export function resultsCsv(result: ResultSet): string {
  const lines = ['kind,run_a,run_b,layer,cosine_similarity,l2_distance,mean_activation_norm'];
  for (const comparison of result.comparisons) {
    comparison.layerIndices.forEach((layer, i) => {
      lines.push(
        [
          'pair',
          csvCell(comparison.runA),
          csvCell(comparison.runB),
          layer,
          comparison.layerCosineSimilarity[i] ?? '',
          comparison.layerL2Distance[i] ?? '',
          '',
        ].join(','),
      );
    });
  }
  for (const run of result.runs) {
    run.layerIndices.forEach((layer, i) => {
      lines.push(['run', csvCell(run.label), '', layer, '', '', run.meanActivationNorms[i] ?? ''].join(','));
    });
  }
  return `${lines.join('\n')}\n`;
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);
}

const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];

/** A small inline SVG line chart (no scripts, so the file stays self-contained and safe to open anywhere). */
export function lineChartSvg(title: string, series: { name: string; x: number[]; y: number[] }[]): string {
  const width = 640;
  const height = 260;
  const pad = { left: 56, right: 16, top: 28, bottom: 36 };
  const xs = series.flatMap((s) => s.x);
  const ys = series.flatMap((s) => s.y);
  if (xs.length === 0) return '';
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => pad.left + ((x - xMin) / (xMax - xMin || 1)) * (width - pad.left - pad.right);
  const sy = (y: number) => height - pad.bottom - ((y - yMin) / (yMax - yMin || 1)) * (height - pad.top - pad.bottom);
  const lines = series
    .map((s, i) => {
      const points = s.x.map((x, j) => `${sx(x).toFixed(1)},${sy(s.y[j] ?? 0).toFixed(1)}`).join(' ');
      return `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${points}"><title>${escapeHtml(s.name)}</title></polyline>`;
    })
    .join('');
  const legend = series
    .map((s, i) => `<tspan fill="${COLORS[i % COLORS.length]}">■ ${escapeHtml(s.name)}</tspan>`)
    .join('  ');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">
<text x="${pad.left}" y="16" font-size="13" font-weight="600">${escapeHtml(title)}</text>
<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="#999"/>
<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="#999"/>
<text x="${pad.left - 6}" y="${pad.top + 4}" font-size="11" text-anchor="end">${yMax.toPrecision(4)}</text>
<text x="${pad.left - 6}" y="${height - pad.bottom}" font-size="11" text-anchor="end">${yMin.toPrecision(4)}</text>
<text x="${pad.left}" y="${height - pad.bottom + 16}" font-size="11">layer ${xMin}</text>
<text x="${width - pad.right}" y="${height - pad.bottom + 16}" font-size="11" text-anchor="end">layer ${xMax}</text>
${lines}
<text x="${pad.left}" y="${height - 4}" font-size="11">${legend}</text>
</svg>`;
}

function pairTable(comparison: ComparisonView): string {
  const rows = comparison.layerIndices
    .map(
      (layer, i) =>
        `<tr><td>${layer}</td><td>${(comparison.layerCosineSimilarity[i] ?? 0).toFixed(4)}</td><td>${(comparison.layerL2Distance[i] ?? 0).toFixed(3)}</td></tr>`,
    )
    .join('');
  return `<h3>${escapeHtml(comparison.runA)} vs ${escapeHtml(comparison.runB)}</h3>
<p>Mean cosine similarity ${comparison.meanCosineSimilarity.toFixed(4)}, mean L2 distance ${comparison.meanL2Distance.toFixed(3)}.</p>
<table><thead><tr><th>Layer</th><th>Cosine</th><th>L2</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** A self-contained HTML report of one experiment: summary, charts as inline SVG, and every number in tables. */
export function resultsHtml(result: ResultSet, title: string): string {
  const experiment = result.experiment;
  const runs = result.runs
    .map(
      (run) =>
        `<tr><td>${escapeHtml(run.label)}</td><td>${escapeHtml(run.dataset)}</td><td>${escapeHtml(run.prompt)}</td><td>${run.numSamples}</td><td>${run.seed}</td><td>${run.pooling}</td></tr>`,
    )
    .join('');
  const pairs = result.comparisons.map((c) => ({ name: `${c.runA} vs ${c.runB}`, x: c.layerIndices, y: c.layerCosineSimilarity }));
  const distances = result.comparisons.map((c) => ({ name: `${c.runA} vs ${c.runB}`, x: c.layerIndices, y: c.layerL2Distance }));
  const norms = result.runs.map((run) => ({ name: run.label, x: run.layerIndices, y: run.meanActivationNorms }));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>body{font-family:system-ui,sans-serif;color:#1f2a37;max-width:960px;margin:24px auto;padding:0 16px;line-height:1.5}
table{border-collapse:collapse;margin:8px 0 20px}th,td{border-bottom:1px solid #dde3ea;padding:4px 12px;text-align:left}
th{background:#f4f6f8}svg{width:100%;max-width:720px;height:auto;display:block;margin:12px 0}.note{background:#eef5fb;padding:8px 12px;border-radius:6px}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
${experiment ? `<p>Experiment ${escapeHtml(experiment.id)} · started ${escapeHtml(experiment.createdAt)} · model ${escapeHtml(experiment.model)} · status ${experiment.status}${experiment.durationSeconds === null ? '' : ` · ${experiment.durationSeconds.toFixed(1)} s`}</p>` : ''}
${experiment?.demoModel ? '<p class="note">Computed with the bundled demo model, whose weights are random: the numbers illustrate the workflow only.</p>' : ''}
<h2>Runs</h2>
<table><thead><tr><th>Run</th><th>Dataset</th><th>Prompt</th><th>Samples</th><th>Seed</th><th>Pooling</th></tr></thead><tbody>${runs}</tbody></table>
<h2>Per-layer comparison</h2>
${lineChartSvg('Cosine similarity per layer', pairs)}
${lineChartSvg('L2 distance per layer', distances)}
${lineChartSvg('Mean activation norm per layer', norms)}
${result.comparisons.map(pairTable).join('\n')}
</body></html>
`;
}
