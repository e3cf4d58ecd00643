/**
 * The shell of a self-contained HTML report: plotly inlined, charts drawn from a JSON data block, no network access
 * (a Content-Security-Policy allows the two scripts by hash only), plus the small formatting helpers reports share.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The plotly bundle could not be read, so no self-contained report can be made. */
export class HtmlReportError extends Error {
  readonly file: string;

  constructor(message: string, file: string) {
    super(message);
    this.name = 'HtmlReportError';
    this.file = file;
  }
}

/** Path of the installed plotly.js-dist-min bundle. */
export function plotlyBundlePath(): string {
  return createRequire(import.meta.url).resolve('plotly.js-dist-min');
}

// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const FONT_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

const STYLE = `
:root { color-scheme: light; --ink: #1f2933; --muted: #5f6b7a; --line: #d9dee5; --soft: #f5f7fa; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; font-family: ${FONT_STACK}; color: var(--ink); background: #fff; line-height: 1.5; }
main { max-width: 1120px; margin: 0 auto; padding: 2rem 1.5rem 4rem; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.5rem 0 .75rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.75rem 0 .5rem; }
p, li { max-width: 75ch; }
.meta { color: var(--muted); margin: 0; }
.warning { border-left: 4px solid #D55E00; background: #fdf3ec; padding: .75rem 1rem; margin: 1.5rem 0; }
.note { color: var(--muted); font-size: .92rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.marked td { background: #eef5fb; }
.config th { width: 14rem; }
.plot { width: 100%; min-height: 360px; margin: .5rem 0 1.5rem; border: 1px solid var(--line); border-radius: 4px; }
details pre { white-space: pre-wrap; background: var(--soft); padding: .5rem; max-height: 20rem; overflow: auto; }
.table-scroll { overflow-x: auto; }
.tags code { background: var(--soft); padding: .1rem .4rem; border-radius: 4px; margin-right: .3rem; }
.notes { white-space: pre-wrap; }
@media print {
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  .plot { break-inside: avoid; }
}
`;

// Draws every chart listed in the JSON data block; without plotly (e.g. scripts blocked) the tables still stand.
const INIT_SCRIPT = `(function () {
  var data = document.getElementById('report-charts');
  if (!data || typeof Plotly === 'undefined') return;
  JSON.parse(data.textContent).forEach(function (chart) {
    var target = document.getElementById(chart.id);
    if (target) Plotly.newPlot(target, chart.traces, chart.layout, { displaylogo: false, showSendToCloud: false, showEditInChartStudio: false, responsive: true });
  });
})();`;

export interface ChartSpec {
  id: string;
  traces: unknown[];
  layout: Record<string, unknown>;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// Plotly reads a few HTML-like tags (<b>, <a href>) in names and titles; entities make it show the text as is.
export function plotlyText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// JSON placed inside <script type="application/json">: no '<' may survive, or "</script>" in a name would end it.
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e6 || magnitude < 1e-3)) return value.toExponential(2);
  return magnitude >= 100 ? value.toFixed(1) : value.toFixed(digits);
}

/** Layout of a line chart in the report's style. */
export function chartLayout(title: string, yTitle: string, xTitle = 'Layer'): Record<string, unknown> {
  return {
    title: { text: plotlyText(title), font: { size: 15 } },
    xaxis: { title: { text: xTitle, standoff: 8 }, zeroline: false, automargin: true },
    yaxis: { title: { text: yTitle }, zeroline: false, automargin: true },
    font: { family: FONT_STACK, size: 12, color: '#1f2933' },
    // The legend sits at the figure's bottom edge and Plotly grows the margin to fit it: it never covers the x title.
    margin: { l: 70, r: 20, t: 50, b: 16, autoexpand: true },
    height: 380,
    hovermode: 'x unified',
    legend: { orientation: 'h', x: 0, xref: 'container', y: 0, yref: 'container', yanchor: 'bottom' },
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
  };
}

/** Charts of a page, each drawn into its figure by the page's script. */
export class ChartBook {
  readonly charts: ChartSpec[] = [];

  add(traces: unknown[], layout: Record<string, unknown>, caption: string): string {
    const id = `chart-${this.charts.length + 1}`;
    this.charts.push({ id, traces, layout });
    return `<figure><div class="plot" id="${id}" role="img" aria-label="${escapeHtml(caption)}"></div><figcaption class="note">${escapeHtml(caption)}</figcaption></figure>`;
  }
}

function readPlotly(plotlyPath: string): string {
  try {
    // A literal "</script" would end the inline script early; "<\/script" means the same to JavaScript.
    return readFileSync(plotlyPath, 'utf8').replace(/<\/script/gi, '<\\/script');
  } catch (error) {
    throw new HtmlReportError(
      `Cannot read the plotting library at ${plotlyPath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); reinstall the workbench's packages.`,
      plotlyPath,
    );
  }
}

/** A whole report page: `body` (HTML) inside <main>, the charts drawn by plotly, everything inline. */
export function renderReportPage(page: { title: string; body: string; charts: ChartSpec[]; plotlyPath?: string | undefined }): string {
  const plotly = readPlotly(page.plotlyPath ?? plotlyBundlePath());
  const chartData = jsonForScript(page.charts);
  // Scripts are allowed by hash only; styles need 'unsafe-inline' because plotly sets styles at run time.
  // Everything else, network included, is refused: the page works offline and cannot call out.
  const csp = [
    "default-src 'none'",
    `script-src ${sha256Source(plotly)} ${sha256Source(INIT_SCRIPT)}`,
    "style-src 'unsafe-inline'",
    'img-src data: blob:',
    "font-src 'none'",
    "connect-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${page.body}
</main>
<script type="application/json" id="report-charts">${chartData}</script>
<script>${plotly}</script>
<script>${INIT_SCRIPT}</script>
</body>
</html>
`;
}
