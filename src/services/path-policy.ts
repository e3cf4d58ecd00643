import { realpathSync } from 'node:fs';
import path from 'node:path';
import { EngineRequestError } from './engine-calls.js';

/**
 * Which paths named in requests (dataset files, model folders, export folders) the engine may use. Plain data: it
 * travels to every engine process inside EngineOptions, and each process turns it into a PathPolicy.
 * - `roots` (serve mode): reads inside the data roots, exports inside the output root, never a hidden folder below a
 *   root nor a system folder;
 * - `granted` (desktop app): exactly the real paths the user picked in a native dialog this session;
 * - `unrestricted` (trusted callers such as tests; the CLI reads whatever its user types).
 * Files the workbench stored itself (dropped datasets in the upload folder) are always readable; the system folders
 * never are, except with `unrestricted` access.
 */
export type PathAccess = { kind: 'unrestricted' } | RootsAccess | { kind: 'granted'; read: string[]; write: string[] };

export interface RootsAccess {
  kind: 'roots';
  dataRoots: string[];
  outputRoot: string;
}

export type PathUse = 'read' | 'write';

/** The one place the engine decides whether a requested path may be used; every answer is a real path. */
export interface PathPolicy {
  /** The real path of a file or folder to read, e.g. `readable(p, 'dataset file')`; throws PathRefusedError. */
  readable(requested: string, what: string): string;
  /** The real path of a folder to write into (it need not exist yet); throws PathRefusedError. */
  writable(requested: string, what: string): string;
  /** Desktop: the user picked this real path in a dialog (ignored by other kinds of access, which do not list paths). */
  grant(realPath: string, use: PathUse): void;
}

/** Never read or written, whatever the roots: kernel and device views, and the system's settings and secrets. */
export const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev', '/etc'];

/** A path the engine will not use, with the places it would accept. */
export class PathRefusedError extends EngineRequestError {
  constructor(message: string) {
    super(message, 'forbidden');
    this.name = 'PathRefusedError';
  }
}

/** The real path of `requested`; a part that does not exist yet is appended to the real path of what does. */
export function realPathOf(requested: string): string {
  const absolute = path.resolve(requested);
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    try {
      return path.join(realpathSync(existing), ...missing.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return absolute;
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function systemFolderOf(real: string): string | undefined {
  return SYSTEM_FOLDERS.find((folder) => isInside(real, folder));
}

/** The first hidden folder or file (".ssh", ".env") on the way from root down to real, if any. */
function hiddenPart(real: string, root: string): string | undefined {
  return path
    .relative(root, real)
    .split(path.sep)
    .find((part) => part.startsWith('.') && part !== '.' && part !== '..');
}

/** True when real lies inside root without passing through a hidden folder. */
function allowedUnder(real: string, root: string): boolean {
  return isInside(real, root) && hiddenPart(real, root) === undefined;
}

/**
 * The roots of serve mode, checked once at start: each must exist and lie outside the system folders. Answers the
 * PathAccess to put into EngineOptions.
 */
export function rootsAccess(dataRoots: readonly string[], outputRoot: string): RootsAccess {
  const real = (root: string, option: string) => {
    const resolved = path.resolve(root);
    let found: string;
    try {
      found = realpathSync(resolved);
    } catch {
      throw new Error(`${option} ${root}: no such folder.`);
    }
    const system = systemFolderOf(found);
    if (system !== undefined) throw new Error(`${option} ${root}: the workbench never reads or writes ${system}.`);
    return found;
  };
  if (dataRoots.length === 0) throw new Error('Give at least one --data-root.');
  return { kind: 'roots', dataRoots: [...new Set(dataRoots.map((root) => real(root, '--data-root')))], outputRoot: real(outputRoot, 'The output folder') };
}

/** The PathPolicy of one engine process; `ownFolders` are the workbench's own stores (the upload folder). */
export function createPathPolicy(access: PathAccess, ownFolders: readonly string[]): PathPolicy {
  const own = ownFolders.map(realPathOf);
  const grants: Record<PathUse, Set<string>> = {
    read: new Set(access.kind === 'granted' ? access.read : []),
    write: new Set(access.kind === 'granted' ? access.write : []),
  };

  function refuseSystem(real: string, what: string, requested: string): void {
    const system = systemFolderOf(real);
    if (system !== undefined) throw new PathRefusedError(`The ${what} ${describe(requested, real)} is in ${system}, which the workbench never reads or writes.`);
  }

  return {
    readable(requested, what) {
      const real = realPathOf(requested);
      if (access.kind === 'unrestricted') return real;
      refuseSystem(real, what, requested);
      if (own.some((folder) => allowedUnder(real, folder))) return real;
      if (access.kind === 'granted') {
        if (grants.read.has(real) || grants.write.has(real)) return real;
        throw new PathRefusedError(
          `The ${what} ${describe(requested, real)} was not chosen in this session: open it with the app's Choose… button (or drop the file), so the workbench may read it.`,
        );
      }
      if (access.dataRoots.some((root) => allowedUnder(real, root))) return real;
      const root = access.dataRoots.find((candidate) => isInside(real, candidate));
      if (root !== undefined) {
        throw new PathRefusedError(
          `The ${what} ${describe(requested, real)} is inside the hidden folder "${hiddenPart(real, root)}", which serve mode never reads (hidden folders such as ~/.ssh hold keys and settings).`,
        );
      }
      throw new PathRefusedError(
        `The ${what} ${describe(requested, real)} is outside the folders serve mode may read: ${access.dataRoots.join(', ')}. Start \`cotlab-wb serve\` with --data-root FOLDER to add one.`,
      );
    },

    writable(requested, what) {
      const real = realPathOf(requested);
      if (access.kind === 'unrestricted') return real;
      refuseSystem(real, what, requested);
      if (access.kind === 'granted') {
        if (grants.write.has(real)) return real;
        throw new PathRefusedError(`The ${what} ${describe(requested, real)} was not chosen in this session: pick it with the app's folder dialog, so the workbench may write there.`);
      }
      if (allowedUnder(real, access.outputRoot)) return real;
      throw new PathRefusedError(
        `The ${what} ${describe(requested, real)} is outside the output folder ${access.outputRoot}: serve mode writes only inside it, and never into hidden folders.`,
      );
    },

    grant(realPath, use) {
      if (access.kind === 'granted') grants[use].add(realPath);
    },
  };
}

/** The path as requested, and where it really leads when that differs (a symlink, `..`). */
function describe(requested: string, real: string): string {
  return real === requested ? requested : `${requested} (really ${real})`;
}
