import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimReportFolder, createUniqueReportFolder, probeReportFolder, ReportFolderError } from '../../src/report/report-folder.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const temp = makeTempDir('report-folder');
afterAll(() => temp.remove());

describe('report folders', () => {
  it('created together under one name, each gets its own: the name, then _2, _3, ...', async () => {
    const wanted = temp.path(path.join('outputs', '2025-01-02', '03-04-05_activation_compare'));
    const created = await Promise.all(Array.from({ length: 6 }, () => createUniqueReportFolder(wanted)));
    expect([...created].sort()).toEqual([wanted, ...[2, 3, 4, 5, 6].map((n) => `${wanted}_${n}`)].sort());
    expect(readdirSync(path.dirname(wanted))).toHaveLength(6);
  });

  it('--out: made when missing, used when it holds no report, refused when it holds one unless overwriting', async () => {
    const missing = temp.path(path.join('new', 'deeper'));
    expect(await claimReportFolder(missing, { overwrite: false })).toBe(missing);
    writeFileSync(path.join(missing, 'notes.txt'), 'not a report\n');
    expect(await claimReportFolder(missing, { overwrite: false })).toBe(missing);
    writeFileSync(path.join(missing, 'results.json'), '{}\n');
    await expect(claimReportFolder(missing, { overwrite: false })).rejects.toThrow(
      `Report folder ${missing}: it already holds a report (results.json); give another folder, or --force to overwrite it.`,
    );
    expect(await claimReportFolder(missing, { overwrite: true })).toBe(missing);
  });

  it('--out that is a file, or runs through one, is refused whatever --force says', async () => {
    const file = temp.path('plain-file');
    writeFileSync(file, 'x\n');
    await expect(claimReportFolder(file, { overwrite: true })).rejects.toThrow(ReportFolderError);
    await expect(claimReportFolder(path.join(file, 'inside'), { overwrite: true })).rejects.toThrow('a part of this path is a file, not a folder');
  });

  it('the write probe leaves nothing behind, and names the folder when it fails', async () => {
    const folder = temp.path('probed');
    mkdirSync(folder);
    await probeReportFolder(folder);
    expect(readdirSync(folder)).toEqual([]);
    await expect(probeReportFolder(temp.path('not-there'))).rejects.toThrow(
      new RegExp(`^Report folder ${temp.path('not-there')}: the report cannot be written here \\(ENOENT`),
    );
  });
});
