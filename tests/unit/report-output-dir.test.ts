import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { defaultOutputDir } from '../../src/report/output-dir.js';

const NOW = new Date(2026, 0, 24, 10, 53, 51);
const FALLBACK = { promptName: 'histopathology', datasetName: 'histopathology' };

function leaf(variantNames: string[], now = NOW): string {
  return path.relative('/root', defaultOutputDir('/root', now, 'activation_compare', 'medgemma_4b', variantNames, 'json', FALLBACK));
}

describe('defaultOutputDir', () => {
  it('follows CoTLab: outputs/<date>/<time>_<experiment>_<model>_<variant0>_<format>_<variant1>', () => {
    expect(leaf(['histopathology', 'radiology'])).toBe(
      path.join('outputs', '2026-01-24', '10-53-51_activation_compare_medgemma_4b_histopathology_json_radiology'),
    );
  });

  it('uses only the first two variant names when there are more', () => {
    expect(leaf(['a', 'b', 'c'])).toBe(path.join('outputs', '2026-01-24', '10-53-51_activation_compare_medgemma_4b_a_json_b'));
  });

  it('falls back to the prompt name and then the dataset name for missing variants', () => {
    const fallback = { promptName: 'radiology_prompt', datasetName: 'radiology_data' };
    const dir = (names: string[]) =>
      path.basename(defaultOutputDir('/root', NOW, 'activation_compare', 'm', names, 'plain', fallback));
    expect(dir([])).toBe('10-53-51_activation_compare_m_radiology_prompt_plain_radiology_data');
    expect(dir(['only'])).toBe('10-53-51_activation_compare_m_only_plain_radiology_data');
  });

  it('pads local date and time fields', () => {
    expect(path.dirname(leaf(['a', 'b'], new Date(2026, 2, 5, 4, 5, 6)))).toBe(path.join('outputs', '2026-03-05'));
    expect(path.basename(leaf(['a', 'b'], new Date(2026, 2, 5, 4, 5, 6)))).toMatch(/^04-05-06_/);
  });

  it('keeps each name a single folder name', () => {
    expect(path.basename(leaf(['chest/x-ray', 'a:b']))).toBe('10-53-51_activation_compare_medgemma_4b_chest_x-ray_json_a_b');
  });
});
