import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analysePair, type PairAnalysis } from '../../src/analytics/divergence.js';
import { findingsFor } from '../../src/analytics/layer-rows.js';
import type { CaptureRecord, Comparison, RunSummary } from '../../src/results/types.js';
import { runSettings } from '../fixtures/report/report-input.js';
import { HtmlReportError, plotlyBundlePath, renderHtmlReport, type HtmlReportInput } from '../../src/report/html-report.js';

const standInPlotly = fileURLToPath(new URL('../fixtures/analytics/plotly-stand-in.js', import.meta.url));
const evilName = '<img src=x onerror=alert(1)></script><script>alert(2)</script>';
const layers = [0, 1, 2];

function vectors(offset: number): Float32Array[][] {
  return layers.map((layer) =>
    Array.from({ length: 4 }, (_, i) => Float32Array.of(1 + i, 2 - i, offset * layer + 0.5 * i, 3)),
  );
}

const analysis: PairAnalysis = analysePair({
  a: { name: 'histopathology', vectorsByLayer: vectors(0), labels: [0, 1, 2, 0] },
  b: { name: evilName, vectorsByLayer: vectors(1), labels: [true, false, true, false] },
  layers,
  paired: true,
  options: { nBoot: 40, nPerm: 40, seed: 3 },
});

function run(name: string): RunSummary {
  return {
    name,
    dataset: 'histopathology',
    prompt: 'histopathology',
    num_samples: 4,
    seed: 42,
    pooling: 'last_token',
    layer_indices: layers,
    mean_activation_norms: [10, 12, 15],
    system_prompt: 'You are a <b>pathologist</b>.',
    sample_indices: [81, 14, 3, 94],
  };
}

const comparison: Comparison = {
  run_a: 'histopathology',
  run_b: evilName,
  layer_indices: layers,
  mean_cosine_similarity: 0.9,
  mean_l2_distance: 1.5,
  layer_cosine_similarity: analysis.perLayer.map((layer) => layer.cosine),
  layer_l2_distance: analysis.perLayer.map((layer) => layer.l2),
};

const capture: CaptureRecord = {
  hook: 'resid_post',
  hook_names: layers.map((layer) => `blocks.${layer}.hook_resid_post`),
  hook_description: 'residual stream after each decoder layer',
  execution_provider: 'cpu',
  execution_provider_note: null,
  model_dir: '/models/demo',
  model_type: 'gemma3_text',
  demo_model: true,
  max_input_tokens: null,
  truncated_samples: 0,
  answer_cue: null,
};

const input: HtmlReportInput = {
  title: `Activation Compare: histopathology vs ${evilName}`,
  generatedAt: '2026-01-24T11:12:31Z',
  model: 'demo/tiny-gemma',
  metrics: { num_runs: 2, num_layers: 3, comparison_mode: 'pairwise', pooling: 'last_token', pair_count: 1 },
  runs: [run('histopathology'), run(evilName)],
  comparisons: [comparison],
  capture,
  analyses: [analysis],
  findings: [findingsFor(comparison, analysis)],
  runSettings: [
    { name: 'histopathology', settings: runSettings({}) },
    { name: evilName, settings: runSettings({ outputFormat: 'plain' }) },
  ],
  annotations: { notes: 'Worth a <b>second</b> look.', tags: ['pilot'] },
};

/** The page with every <script> body emptied: what is left is markup and attributes. */
function markupOnly(html: string): string {
  return html.replace(/(<script\b[^>]*>)[\s\S]*?(<\/script>)/gi, '$1$2');
}

function scriptBodies(html: string): Array<{ attributes: string; body: string }> {
  return [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].map((match) => ({
    attributes: match[1] as string,
    body: match[2] as string,
  }));
}

interface ChartSpec {
  id: string;
  traces: Array<{ name?: string; fill?: string; y?: number[] }>;
}

function charts(html: string): ChartSpec[] {
  const data = scriptBodies(html).find((script) => script.attributes.includes('id="report-charts"'));
  return JSON.parse(data?.body ?? 'null') as ChartSpec[];
}

describe('renderHtmlReport with the installed plotly bundle', () => {
  const html = renderHtmlReport(input);

  it('inlines plotly and loads nothing from outside', () => {
    const bundle = readFileSync(plotlyBundlePath(), 'utf8');
    expect(scriptBodies(html).some((script) => script.body === bundle)).toBe(true);
    const markup = markupOnly(html);
    expect(markup).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(markup).not.toMatch(/<script\b[^>]*\bsrc=/i);
    expect(markup).not.toMatch(/<link\b/i);
    expect(markup).not.toMatch(/@import|url\(/i);
  });

  it('locks the page down with a CSP that allows exactly its own inline scripts', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replace(/&#39;/g, "'");
    expect(csp).toBeDefined();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'none'");
    expect(csp).toContain("font-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    const allowed = [...(csp as string).matchAll(/'sha256-([A-Za-z0-9+/=]+)'/g)].map((match) => match[1]).sort();
    const executable = scriptBodies(html).filter((script) => !script.attributes.includes('application/json'));
    const hashes = executable.map((script) => createHash('sha256').update(script.body, 'utf8').digest('base64')).sort();
    expect(executable).toHaveLength(2);
    expect(allowed).toEqual(hashes);
  });
});

describe('renderHtmlReport content', () => {
  const html = renderHtmlReport(input, { plotlyPath: standInPlotly });

  it('escapes a malicious variant name everywhere', () => {
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert(2)');
    expect(html).not.toContain('<b>pathologist</b>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    const names = charts(html).flatMap((chart) => chart.traces.map((trace) => trace.name ?? ''));
    expect(names).toContain('&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    // Only the page's own three script elements exist.
    expect(html.match(/<script\b/gi)).toHaveLength(3);
  });

  it('has one plot div per chart: cosine and L2 per pair, a PCA per analysed pair, and the norms', () => {
    const specs = charts(html);
    const divs = [...markupOnly(html).matchAll(/<div class="plot" id="([^"]+)"/g)].map((match) => match[1]);
    expect(specs).toHaveLength(4);
    expect(divs).toEqual(specs.map((spec) => spec.id));
    expect(new Set(divs).size).toBe(divs.length);
  });

  it('draws confidence bands from the bootstrap intervals', () => {
    const cosineChart = charts(html)[0] as ChartSpec;
    const band = cosineChart.traces.find((trace) => trace.fill === 'tonexty');
    expect(band?.y).toEqual(analysis.perLayer.map((layer) => layer.cosineCi?.low));
  });

  it('shows the configuration, the demo warning, one table row per layer and the findings', () => {
    expect(html).toContain('<strong>Demo model.</strong>');
    expect(html).toContain('residual stream after each decoder layer');
    expect(html).toContain('40 bootstrap resamples (95% percentile intervals), 40 permutations, seed 3');
    const tableRows = markupOnly(html).split('<h2>Per-layer table</h2>')[1]?.split('</section>')[0]?.match(/<tr[ >]/g) ?? [];
    expect(tableRows).toHaveLength(1 + layers.length);
    expect(html).toContain('Linear CKA between the paired samples ranges from');
    // 40 permutations, 3 layers: the smallest Holm-adjusted p is 3/41 > 0.05.
    expect(html).toContain('no layer can reach a Holm-adjusted p below 0.05; use at least 60 permutations');
  });

  it('tells two runs that differ only in output format apart, in the runs table and the settings table', () => {
    const markup = markupOnly(html);
    const runsRows = markup.split('data-table="runs"')[1]?.split('</table>')[0] ?? '';
    expect(runsRows).toContain('<td>histopathology</td><td>output format json</td>');
    expect(runsRows).toContain('<td>output format plain</td>');
    const settings = markup.split('data-table="settings"')[1]?.split('</table>')[0] ?? '';
    expect(settings).toContain('<tr class="marked"><th scope="row">output format</th><td>json</td><td>plain</td></tr>');
    expect(settings.match(/class="marked"/g)).toHaveLength(1);
    expect(markup).toContain('What tells the runs apart (highlighted): output format.');
  });

  it("shows the researcher's notes and tags, escaped", () => {
    expect(html).toContain('<p class="tags">Tags: <code>pilot</code></p><p class="notes">Worth a &lt;b&gt;second&lt;/b&gt; look.</p>');
    expect(renderHtmlReport({ ...input, annotations: null }, { plotlyPath: standInPlotly })).not.toContain('<h2>Notes</h2>');
  });

  it('breaks the pair down by label at its lowest-cosine layer', () => {
    const lowest = findingsFor(comparison, analysis).lowest_cosine_layers[0]?.layer;
    const groups = analysis.perLayer.find((layer) => layer.layer === lowest)?.labels ?? [];
    const table = markupOnly(html).split('data-table="labels"')[1]?.split('</table>')[0] ?? '';
    expect(html).toContain(`<h3>Per label at layer ${lowest}: histopathology vs`);
    expect(groups.length).toBeGreaterThan(1);
    expect(table.match(/<tr>/g)).toHaveLength(1 + groups.length);
  });

  it('offers no cloud upload or chart studio, and repeats table headers on printed pages', () => {
    expect(html).toContain('displaylogo: false, showSendToCloud: false, showEditInChartStudio: false');
    expect(html).toMatch(/@media print \{\s*thead \{ display: table-header-group; \}/);
  });

  it('leaves out the demo warning and the statistics when there are none', () => {
    const plain = renderHtmlReport(
      { ...input, capture: { ...capture, demo_model: false }, analyses: [] },
      { plotlyPath: standInPlotly },
    );
    expect(plain).not.toContain('Demo model.');
    expect(plain).not.toContain('p (Holm)');
    const specs = charts(plain);
    expect(specs).toHaveLength(3);
    expect(specs[0]?.traces).toHaveLength(1);
  });

  it('reports an unreadable plotting library with its path', () => {
    expect(() => renderHtmlReport(input, { plotlyPath: '/nonexistent/plotly.min.js' })).toThrow(HtmlReportError);
    expect(() => renderHtmlReport(input, { plotlyPath: '/nonexistent/plotly.min.js' })).toThrow(
      /Cannot read the plotting library at \/nonexistent\/plotly\.min\.js \(ENOENT\)/,
    );
  });
});
