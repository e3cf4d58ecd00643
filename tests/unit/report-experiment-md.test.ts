import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { buildExperimentMd, formatDuration } from '../../src/report/experiment-md.js';
import { reportInput, runSettings } from '../fixtures/report/report-input.js';

const OUTPUT_DIR = 'outputs/2026-01-24/11-12-31_activation_compare_demo_tiny_gemma_histopathology_json_radiology';

/** Markdown headings, skipping lines inside fenced code blocks (a bash comment is not a heading). */
function headings(markdown: string): string[] {
  let inFence = false;
  return markdown.split('\n').filter((line) => {
    if (line.startsWith('```')) inFence = !inFence;
    return !inFence && /^#{1,3} /.test(line);
  });
}

describe('buildExperimentMd', () => {
  it('renders a completed run exactly as the reviewed fixture', () => {
    const expected = readFileSync(new URL('../fixtures/report/EXPERIMENT.completed.md', import.meta.url), 'utf8');
    expect(buildExperimentMd(reportInput(), OUTPUT_DIR)).toBe(expected);
  });

  it('has CoTLab\'s sections in CoTLab\'s order, then ours', () => {
    expect(headings(buildExperimentMd(reportInput(), OUTPUT_DIR))).toEqual([
      '# Experiment: Activation Compare: histopathology vs radiology',
      '## Research Questions',
      '## Configuration',
      '## Reproduce',
      '## Results',
      '## Capture',
      '## Runs',
      '## Per-Layer Comparison',
      '### histopathology vs radiology',
      '## Analysis',
      '### histopathology vs radiology',
    ]);
  });

  it('tells two runs that differ only in output format apart, in bold, before the shared settings', () => {
    const markdown = buildExperimentMd(
      reportInput({
        runSettings: [
          { name: 'histopathology', settings: runSettings({}) },
          { name: 'histopathology_plain', settings: runSettings({ outputFormat: 'plain' }) },
        ],
      }),
      OUTPUT_DIR,
    );
    expect(markdown).toContain(
      'What tells the runs apart: output format.\n\n| Setting | histopathology | histopathology_plain |\n|---|---|---|\n| **output format** | **json** | **plain** |\n| dataset | histopathology | histopathology |\n',
    );
  });

  it("puts the researcher's notes and tags under the title, and nothing when there are none", () => {
    const markdown = buildExperimentMd(reportInput({ annotations: { notes: 'Layer 4 | worth a look.\n', tags: ['pilot', 'grant'] } }), OUTPUT_DIR);
    expect(markdown).toContain('**Duration:** 53 seconds\n\n## Notes\n\n**Tags:** `pilot` `grant`\n\nLayer 4 | worth a look.\n\n## Research Questions');
    expect(buildExperimentMd(reportInput({ annotations: { notes: ' ', tags: [] } }), OUTPUT_DIR)).not.toContain('## Notes');
  });

  it('writes Started with two trailing spaces and the run-only Duration after it', () => {
    const markdown = buildExperimentMd(reportInput({ runDurationSeconds: 125.9 }), OUTPUT_DIR);
    expect(markdown).toContain('**Status:** Completed\n**Started:** 2026-01-24 11:12:31  \n**Duration:** 2 minutes 5 seconds\n');
  });

  it('while running: no Duration, the results placeholder, no per-layer sections', () => {
    const markdown = buildExperimentMd(reportInput({ status: 'Running', runs: [], comparisons: [] }), OUTPUT_DIR);
    expect(markdown).toContain('**Status:** Running\n**Started:** 2026-01-24 11:12:31\n\n## Research Questions');
    expect(markdown).toContain('## Results\n\n_Results will be added after experiment completes..._\n');
    expect(markdown).toContain('- **Max input tokens:** 1024\n');
    expect(headings(markdown)).not.toContain('## Analysis');
  });

  it('formats the Reproduce block like CoTLab, quoting arguments the shell would split', () => {
    const markdown = buildExperimentMd(
      reportInput({ reproduceCommand: ['run', 'experiment=activation_compare', "dataset.name=it's here"] }),
      '/tmp/my runs/',
    );
    expect(markdown).toContain(
      '## Reproduce\n\n```bash\nnpx cotlab-wb run \\\n  experiment=activation_compare \\\n' +
        "  'dataset.name=it'\\''s here'\n\n" +
        '# or re-run the exact resolved configuration saved with this report:\n' +
        "npx cotlab-wb run --config '/tmp/my runs/config.json'\n```\n",
    );
  });

  it('shows the demo-model warning only for the demo model', () => {
    const warning = '> **Warning:** this run used the bundled demo model, whose weights are random.';
    expect(buildExperimentMd(reportInput(), OUTPUT_DIR)).toContain(warning);
    const realModel = { ...reportInput().capture, demo_model: false };
    expect(buildExperimentMd(reportInput({ capture: realModel }), OUTPUT_DIR)).not.toContain(warning);
  });

  it('follows CoTLab for reasoning mode, few-shot, output format and title without variants', () => {
    const markdown = buildExperimentMd(
      reportInput({
        variants: [],
        topPrompt: { name: 'RADIOLOGY', few_shot: false, answer_first: false, contrarian: true, output_format: 'yaml' },
      }),
      OUTPUT_DIR,
    );
    expect(markdown.startsWith('# Experiment: Activation Compare\n')).toBe(true);
    expect(markdown).toContain(
      '**Prompt Strategy:** Radiology\n**Reasoning Mode:** Contrarian (skeptical)\n' +
        '**Few-Shot Examples:** No (zero-shot)\n**Output Format:** YAML\n',
    );
    expect(markdown).not.toContain('**Variants:**');
  });

  it('says so when per-layer values were not stored or there is nothing to compare', () => {
    const [comparison] = reportInput().comparisons;
    if (comparison === undefined) throw new Error('fixture has one comparison');
    const { layer_cosine_similarity: _c, layer_l2_distance: _l, ...summaryOnly } = comparison;
    expect(buildExperimentMd(reportInput({ comparisons: [summaryOnly] }), OUTPUT_DIR)).toContain(
      '_Per-layer values were not stored (experiment.store_per_layer is false)._',
    );
    expect(buildExperimentMd(reportInput({ comparisons: [] }), OUTPUT_DIR)).toContain(
      '## Analysis\n\n_No comparisons: the experiment has a single run._\n',
    );
  });
});

describe('formatDuration', () => {
  it('uses whole seconds under a minute', () => {
    expect(formatDuration(53.9)).toBe('53 seconds');
    expect(formatDuration(0.4)).toBe('0 seconds');
  });

  it('uses minutes and seconds from one minute on, plural as CoTLab writes it', () => {
    expect(formatDuration(60)).toBe('1 minutes 0 seconds');
    expect(formatDuration(512.7)).toBe('8 minutes 32 seconds');
  });
});
