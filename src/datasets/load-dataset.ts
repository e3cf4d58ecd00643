import { resolve } from 'node:path';
import { loadDelimited } from './delimited.js';
import { DatasetError } from './errors.js';
import { loadHareTsv } from './hare-tsv.js';
import { loadRadiology } from './radiology.js';
import type { LoadedDataset } from './sample.js';
import type { LoaderSpec } from './spec.js';

export { labelDistribution, type LabelCount } from './label-distribution.js';

/**
 * Load the dataset a spec describes with the loader for its format; a relative path resolves against baseDir.
 * TSV, CSV and JSON lines files are streamed, so memory holds the samples, not the file.
 */
export async function loadDataset(spec: LoaderSpec, baseDir: string): Promise<LoadedDataset> {
  const file = resolve(baseDir, spec.path);
  switch (spec.format) {
    case 'hare_tsv':
      return loadHareTsv(file, spec.name);
    case 'radiology':
      return loadRadiology(file, spec.name);
    case 'delimited':
      if (spec.text_column === null) {
        throw new DatasetError(
          'missing_setting',
          'the "delimited" format needs text_column, the name of the column that holds the text',
          { file, field: 'text_column' },
        );
      }
      return loadDelimited(file, spec.name, {
        textColumn: spec.text_column,
        labelColumn: spec.label_column,
        metadataColumns: spec.metadata_columns,
        delimiter: spec.delimiter,
      });
  }
}
