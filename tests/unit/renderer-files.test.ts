import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rendererFilePath } from '../../src/host/renderer-files.js';

const root = path.resolve('/srv/dist-renderer');

describe('renderer file paths (serve mode and the app:// handler)', () => {
  it('maps / to index.html and asset paths to files inside the renderer folder', () => {
    expect(rendererFilePath(root, '/')).toEqual({ kind: 'file', file: path.join(root, 'index.html') });
    expect(rendererFilePath(root, '/assets/app%20main.js')).toEqual({ kind: 'file', file: path.join(root, 'assets', 'app main.js') });
  });

  it('answers a malformed percent-encoding as malformed instead of throwing', () => {
    expect(rendererFilePath(root, '/%zz')).toEqual({ kind: 'malformed' });
    expect(rendererFilePath(root, '/assets/%E0%A4%A')).toEqual({ kind: 'malformed' });
    expect(rendererFilePath(root, '/index.html%00.js')).toEqual({ kind: 'malformed' });
  });

  it('never resolves outside the renderer folder, encoded or not', () => {
    expect(rendererFilePath(root, '/../package.json')).toEqual({ kind: 'outside' });
    expect(rendererFilePath(root, '/%2e%2e/%2e%2e/etc/passwd')).toEqual({ kind: 'outside' });
    expect(rendererFilePath(root, '/..%2fsecrets')).toEqual({ kind: 'outside' });
    expect(rendererFilePath(`${root}-other`, '/../dist-renderer/index.html')).toEqual({ kind: 'outside' });
  });
});
