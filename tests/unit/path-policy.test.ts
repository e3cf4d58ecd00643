import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPathPolicy, PathRefusedError, realPathOf, rootsAccess, type PathPolicy } from '../../src/services/path-policy.js';

/** The refusal a call throws (the test fails if it does not throw one). */
function refusal(call: () => unknown): PathRefusedError {
  try {
    call();
  } catch (error) {
    if (error instanceof PathRefusedError) return error;
    throw error;
  }
  throw new Error('expected the path to be refused');
}

describe('path policy', () => {
  let scratch: string;
  let data: string;
  let outputs: string;
  let uploads: string;
  let outside: string;
  let serve: PathPolicy;

  beforeAll(() => {
    scratch = realpathSync(mkdtempSync(path.join(tmpdir(), 'cotlab-paths-')));
    data = path.join(scratch, 'data');
    outputs = path.join(scratch, 'outputs');
    uploads = path.join(scratch, '.cache', 'uploads');
    outside = path.join(scratch, 'elsewhere');
    for (const dir of [data, outputs, uploads, outside, path.join(data, '.hidden'), path.join(data, 'nested')]) mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(data, 'notes.tsv'), 'text\tlabel\na\t1\n');
    writeFileSync(path.join(data, '.hidden', 'keys.tsv'), 'text\nsecret\n');
    writeFileSync(path.join(outside, 'private.tsv'), 'text\nprivate\n');
    writeFileSync(path.join(uploads, 'dropped.tsv'), 'text\ndropped\n');
    symlinkSync(path.join(outside, 'private.tsv'), path.join(data, 'link-out.tsv'));
    symlinkSync(path.join(data, 'notes.tsv'), path.join(data, 'nested', 'link-in.tsv'));
    symlinkSync('/etc', path.join(data, 'etc-link'));
    serve = createPathPolicy(rootsAccess([data], outputs), [uploads]);
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('reads files inside a data root, through symlinks that stay inside, and the upload folder', () => {
    expect(serve.readable(path.join(data, 'notes.tsv'), 'dataset file')).toBe(path.join(data, 'notes.tsv'));
    expect(serve.readable(path.join(data, 'nested', 'link-in.tsv'), 'dataset file')).toBe(path.join(data, 'notes.tsv'));
    expect(serve.readable(path.join(data, 'nested', '..', 'notes.tsv'), 'dataset file')).toBe(path.join(data, 'notes.tsv'));
    expect(serve.readable(path.join(uploads, 'dropped.tsv'), 'dataset file')).toBe(path.join(uploads, 'dropped.tsv'));
    // A file that does not exist yet inside a root is allowed: reading it then says it is missing.
    expect(serve.readable(path.join(data, 'missing.tsv'), 'dataset file')).toBe(path.join(data, 'missing.tsv'));
  });

  it('refuses system files, naming the system folder', () => {
    expect(refusal(() => serve.readable('/etc/shadow', 'dataset file')).message).toBe(
      'The dataset file /etc/shadow is in /etc, which the workbench never reads or writes.',
    );
    expect(refusal(() => serve.readable('/proc/self/environ', 'dataset file')).message).toMatch(/^The dataset file \/proc\/self\/environ .*is in \/proc, which the workbench never reads or writes\.$/);
    expect(refusal(() => serve.readable('/sys/kernel', 'model folder')).message).toContain('is in /sys');
    expect(refusal(() => serve.readable(path.join(data, 'etc-link', 'passwd'), 'dataset file')).message).toContain('(really /etc/passwd) is in /etc');
  });

  it('refuses a symlink out of a root, saying where it really leads and which roots are allowed', () => {
    const error = refusal(() => serve.readable(path.join(data, 'link-out.tsv'), 'dataset file'));
    expect(error.code).toBe('forbidden');
    expect(error.message).toBe(
      `The dataset file ${path.join(data, 'link-out.tsv')} (really ${path.join(outside, 'private.tsv')}) is outside the folders serve mode may read: ${data}. Start \`cotlab-wb serve\` with --data-root FOLDER to add one.`,
    );
  });

  it('refuses ../ traversal out of a root', () => {
    const requested = `${data}/../elsewhere/private.tsv`;
    expect(refusal(() => serve.readable(requested, 'dataset file')).message).toContain(`(really ${path.join(outside, 'private.tsv')}) is outside the folders serve mode may read: ${data}.`);
  });

  it('refuses hidden folders below a root, such as ~/.ssh', () => {
    expect(refusal(() => serve.readable(path.join(data, '.hidden', 'keys.tsv'), 'dataset file')).message).toContain(
      'is inside the hidden folder ".hidden", which serve mode never reads',
    );
    const home = createPathPolicy(rootsAccess([homedir()], outputs), []);
    expect(refusal(() => home.readable(path.join(homedir(), '.ssh', 'id_ed25519'), 'dataset file')).message).toContain('hidden folder ".ssh"');
  });

  it('writes exports only inside the output root, never in a hidden folder', () => {
    expect(serve.writable(path.join(outputs, 'vectors', 'new'), 'export folder')).toBe(path.join(outputs, 'vectors', 'new'));
    expect(refusal(() => serve.writable(outside, 'export folder')).message).toBe(
      `The export folder ${outside} is outside the output folder ${outputs}: serve mode writes only inside it, and never into hidden folders.`,
    );
    expect(refusal(() => serve.writable(path.join(outputs, '.git', 'hooks'), 'export folder')).message).toContain('is outside the output folder');
    expect(refusal(() => serve.writable('/etc/cron.d', 'export folder')).message).toContain('is in /etc');
  });

  it('refuses roots that are system folders or missing, at start', () => {
    expect(() => rootsAccess(['/etc'], outputs)).toThrow('--data-root /etc: the workbench never reads or writes /etc.');
    expect(() => rootsAccess([path.join(scratch, 'nope')], outputs)).toThrow(`--data-root ${path.join(scratch, 'nope')}: no such folder.`);
    expect(() => rootsAccess([], outputs)).toThrow('Give at least one --data-root.');
  });

  it('desktop: reads and writes exactly the paths granted in this session', () => {
    const desktop = createPathPolicy({ kind: 'granted', read: [], write: [] }, [uploads]);
    const file = path.join(data, 'notes.tsv');
    expect(refusal(() => desktop.readable(file, 'dataset file')).message).toBe(
      `The dataset file ${file} was not chosen in this session: open it with the app's Choose… button (or drop the file), so the workbench may read it.`,
    );
    desktop.grant(realPathOf(file), 'read');
    expect(desktop.readable(file, 'dataset file')).toBe(file);
    // A symlink to a granted file leads to the same real path.
    expect(desktop.readable(path.join(data, 'nested', 'link-in.tsv'), 'dataset file')).toBe(file);
    expect(refusal(() => desktop.readable(path.join(data, 'link-out.tsv'), 'dataset file')).message).toContain('was not chosen in this session');
    expect(desktop.readable(path.join(uploads, 'dropped.tsv'), 'dataset file')).toBe(path.join(uploads, 'dropped.tsv'));
    expect(refusal(() => desktop.writable(outputs, 'export folder')).message).toContain('pick it with the app\'s folder dialog');
    desktop.grant(outputs, 'write');
    expect(desktop.writable(outputs, 'export folder')).toBe(outputs);
  });

  it('unrestricted access (trusted callers) takes any path as it really is', () => {
    const open = createPathPolicy({ kind: 'unrestricted' }, []);
    expect(open.readable(path.join(data, 'link-out.tsv'), 'dataset file')).toBe(path.join(outside, 'private.tsv'));
  });
});
