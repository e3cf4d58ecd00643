import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tarHeader, TarEntryError, writeTar } from '../../src/report/tar.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'cotlab-tar-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('writeTar', () => {
  it('writes an archive that tar lists and extracts byte for byte', async () => {
    const small = path.join(scratch, 'index.json');
    const binary = path.join(scratch, 'vectors.npy');
    writeFileSync(small, '{"files": []}\n');
    writeFileSync(binary, Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 37) % 256)));
    const longName = `experiment-1-vectors/${'a'.repeat(90)}/${'b'.repeat(60)}.npy`;
    const archive = path.join(scratch, 'out.tar');
    const size = await writeTar(archive, [
      { name: 'experiment-1-vectors/index.json', file: small },
      { name: 'experiment-1-vectors/0_histo_layer0.npy', file: binary },
      { name: longName, file: binary },
    ]);
    // Header + one block, header + three blocks (1500 bytes), header + three blocks, two end blocks.
    expect(size).toBe(512 * (2 + 4 + 4 + 2));
    expect(statSync(archive).size).toBe(size);
    const listed = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).trim().split('\n');
    expect(listed).toEqual(['experiment-1-vectors/index.json', 'experiment-1-vectors/0_histo_layer0.npy', longName]);
    const out = path.join(scratch, 'extracted');
    execFileSync('mkdir', ['-p', out]);
    execFileSync('tar', ['-xf', archive, '-C', out]);
    expect(readFileSync(path.join(out, 'experiment-1-vectors/0_histo_layer0.npy'))).toEqual(readFileSync(binary));
    expect(readFileSync(path.join(out, longName))).toEqual(readFileSync(binary));
    expect(readFileSync(path.join(out, 'experiment-1-vectors/index.json'), 'utf8')).toBe('{"files": []}\n');
  });

  it('computes the header checksum over the header with blanks in the checksum field', () => {
    const header = tarHeader('a.npy', 10, 0);
    const stored = Number.parseInt(header.subarray(148, 154).toString('ascii'), 8);
    const blanked = Buffer.from(header);
    blanked.write('        ', 148, 'ascii');
    expect(stored).toBe(blanked.reduce((sum, byte) => sum + byte, 0));
    expect(header.subarray(257, 263).toString('ascii')).toBe('ustar\0');
  });

  it('refuses a name that cannot fit a ustar header', () => {
    expect(() => tarHeader('x'.repeat(256), 1, 0)).toThrow(TarEntryError);
    expect(() => tarHeader('x'.repeat(120), 1, 0)).toThrow(/cannot be split/);
  });
});
