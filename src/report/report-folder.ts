/** Report folders taken before any compute: created exclusively, or claimed with --force, and checked writable. */
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The files a report folder holds (writeReportFiles); a folder holding any of them holds a report. */
export const REPORT_FILE_NAMES = ['config.json', 'results.json', 'EXPERIMENT.md'] as const;

/** A report folder that cannot be taken or written, said before anything is computed. */
export class ReportFolderError extends Error {
  constructor(
    readonly folder: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`Report folder ${folder}: ${problem}.`, options);
    this.name = 'ReportFolderError';
  }
}

/** The system's reason for a failed file call, e.g. `EACCES: permission denied, mkdir '...'`. */
function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/**
 * Creates a new report folder at `folder`; when that exists (another run started in the same second), at
 * `folder_2`, `folder_3`, ... Creating the last path element is atomic, so concurrent runs never share a folder.
 * Returns the folder created.
 */
export async function createUniqueReportFolder(folder: string): Promise<string> {
  try {
    await mkdir(path.dirname(folder), { recursive: true });
  } catch (error) {
    throw new ReportFolderError(folder, `its parent folder cannot be created (${reason(error)})`, { cause: error });
  }
  for (let attempt = 1; ; attempt += 1) {
    const candidate = attempt === 1 ? folder : `${folder}_${attempt}`;
    try {
      await mkdir(candidate);
      return candidate;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') {
        throw new ReportFolderError(candidate, `it cannot be created (${reason(error)})`, { cause: error });
      }
    }
  }
}

/**
 * Takes a folder the user named (`--out`) for a report: created when missing; a path that is a file is refused;
 * a folder that already holds a report is refused unless `overwrite` (--force).
 */
export async function claimReportFolder(folder: string, options: { overwrite: boolean }): Promise<string> {
  const stats = await stat(folder).catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT') return null;
    if (errorCode(error) === 'ENOTDIR') throw new ReportFolderError(folder, 'a part of this path is a file, not a folder');
    throw new ReportFolderError(folder, `it cannot be read (${reason(error)})`, { cause: error });
  });
  if (stats === null) {
    try {
      await mkdir(folder, { recursive: true });
    } catch (error) {
      throw new ReportFolderError(folder, `it cannot be created (${reason(error)})`, { cause: error });
    }
    return folder;
  }
  if (!stats.isDirectory()) throw new ReportFolderError(folder, 'this path is a file, not a folder; give a folder for the report');
  if (!options.overwrite) {
    const held = (await readdir(folder)).filter((name) => (REPORT_FILE_NAMES as readonly string[]).includes(name));
    if (held.length > 0) {
      throw new ReportFolderError(folder, `it already holds a report (${held.join(', ')}); give another folder, or --force to overwrite it`);
    }
  }
  return folder;
}

/**
 * Writes a small file into the folder and removes it, so a folder that cannot be written (no permission, a
 * read-only or full disk) is found out before the first forward pass rather than after the last.
 */
export async function probeReportFolder(folder: string): Promise<void> {
  const probe = path.join(folder, `.cotlab-wb-write-check-${process.pid}`);
  try {
    await writeFile(probe, 'CoTLab Workbench checks that the report can be written here.\n'.repeat(64));
  } catch (error) {
    await rm(probe, { force: true }).catch(() => undefined);
    throw new ReportFolderError(folder, `the report cannot be written here (${reason(error)}); nothing was computed`, { cause: error });
  }
  await rm(probe, { force: true });
}
