import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/cli.js';

/**
 * Electron cannot run on the test machines, so the packaged app's hardening is checked where it is declared: the
 * fuses electron-builder flips in the Electron binary (option `electronFuses`, electron-builder 26).
 */
describe('electron-builder.yml', () => {
  const config = parse(readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

  it('sets the Electron fuses that close the ways around the sandbox', () => {
    expect(config['electronFuses']).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs the app into an asar archive, which onlyLoadAppFromAsar requires', () => {
    expect(config['asar']).not.toBe(false);
  });
});
