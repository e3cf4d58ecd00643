import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const ESC = '\u001b';

describe('cotlab-wb run dry_run=true', () => {
  let temp: TempDir;
  let notes: string;

  beforeAll(() => {
    temp = makeTempDir('cli-dry-run');
    notes = temp.path('notes.tsv');
    // Labels and text carrying ANSI escape sequences (recolour, clear screen, window title) and a C1 control.
    writeFileSync(
      notes,
      [
        'note\tlabel',
        `Benign naevus.${ESC}[2J\tbenign`,
        `Invasive carcinoma.${ESC}]0;owned\u0007\t${ESC}[31mmalignant${ESC}[0m`,
        `Atypia, see comment.\tatypia\u009b`,
        '',
      ].join('\n'),
    );
  });

  afterAll(() => temp.remove());

  const notesVariant = () => `experiment.variants.0.dataset={name: notes, format: delimited, path: ${notes}, text_column: note, label_column: label}`;

  it('prints the plan, token counts and the text fed, and loads, computes, records and writes nothing', () => {
    const dbPath = temp.path('history.sqlite');
    const result = runCli(['run', 'dry_run=true', 'experiment.num_samples=3', notesVariant(), '--db', dbPath], temp.dir);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('Dry run (dry_run=true): the plan only.');
    expect(result.stdout).toMatch(/capture {5}resid_post, pooling mean, layers 0-5/);
    expect(result.stdout).toMatch(/histopathology: dataset notes \(3 samples; labels .*\), 3 sampled with seed 42, prompt histopathology/);
    expect(result.stdout).toMatch(/radiology: dataset radiology .*3 sampled with seed 42, prompt radiology/);
    expect(result.stdout).toMatch(/tokens per prompt: min \d+, median \d+, max \d+; 0 truncated/);
    expect(result.stdout).toContain('the text fed for sample 0');
    expect(existsSync(dbPath)).toBe(false);
    expect(readdirSync(temp.dir).filter((name) => name !== 'bad-header.tsv')).toEqual(['notes.tsv']);
  });

  it('shows control characters from the data escaped, in the plan and in the log', () => {
    const result = runCli(['run', 'dry_run=true', 'experiment.num_samples=3', notesVariant()], temp.dir);
    expect(result.status, result.stderr).toBe(0);
    for (const output of [result.stdout, result.stderr]) {
      expect(output).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    }
    expect(result.stdout).toContain('\\x1b[31mmalignant\\x1b[0m');
    expect(result.stdout).toContain('atypia\\u009b');
    // An error naming what the file holds (here its header) is escaped too.
    const badHeader = temp.path('bad-header.tsv');
    writeFileSync(badHeader, `note${ESC}[8m\tlabel\nsome text\t1\n`);
    const dataError = runCli(['run', 'dry_run=true', `experiment.variants.0.dataset.path=${badHeader}`], temp.dir);
    expect(dataError.status).not.toBe(0);
    expect(dataError.stderr).toContain('the header has "note\\x1b[8m", "label"');
    expect(dataError.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});
