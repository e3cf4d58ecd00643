import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  encodeNpyMatrix,
  npyHeader,
  VECTORS_INDEX_FILE,
  VectorsExportError,
  writeVectorsExport,
  type VectorsExportIndex,
  type VectorsExportRun,
} from '../../src/report/npy.js';

const numpyCheck = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
const numpyMissingReason =
  numpyCheck.error !== undefined
    ? `python3 could not be started (${numpyCheck.error.message})`
    : numpyCheck.status !== 0
      ? 'numpy is not installed for python3'
      : null;
if (numpyMissingReason !== null) console.warn(`Skipping the numpy.load round trip: ${numpyMissingReason}.`);

describe('npyHeader', () => {
  it('writes the v1.0 header byte for byte, padded so the data starts at byte 128', () => {
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    // 10 preamble bytes + 59 dict characters + 58 spaces + newline = 128.
    const expected = Buffer.concat([
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 118, 0x00]),
      Buffer.from(`${dict}${' '.repeat(58)}\n`, 'latin1'),
    ]);
    expect(npyHeader([2, 3])).toEqual(expected);
    expect(npyHeader([2, 3]).length).toBe(128);
  });

  it('pads every shape to a multiple of 64 bytes and ends the header with a newline', () => {
    for (const shape of [[0, 4], [1, 2560], [600, 2560], [12345678, 99]]) {
      const header = npyHeader(shape);
      expect(header.length % 64).toBe(0);
      expect(header.readUInt16LE(8)).toBe(header.length - 10);
      expect(header[header.length - 1]).toBe(0x0a);
      expect(header.toString('latin1')).toContain(`'shape': (${shape.join(', ')}), }`);
    }
  });
});

describe('encodeNpyMatrix', () => {
  it('appends the rows as little-endian float32 in C order', () => {
    const file = encodeNpyMatrix([new Float32Array([1.5, -2]), new Float32Array([0, 1])]);
    // 1.5 = 0x3FC00000, −2 = 0xC0000000, 0, 1 = 0x3F800000, each little-endian.
    expect([...file.subarray(128)]).toEqual([0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x80, 0x3f]);
  });

  it('refuses rows of different lengths', () => {
    expect(() => encodeNpyMatrix([new Float32Array(3), new Float32Array(2)])).toThrow(VectorsExportError);
  });
});

describe('writeVectorsExport', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'npy-export-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const runs: VectorsExportRun[] = [
    {
      name: 'histopathology',
      layers: [0, 2],
      vectorsByLayer: [
        [new Float32Array([0.1, 0.2, 0.3]), new Float32Array([1, 2, 3])],
        [new Float32Array([-1e30, 1e-30, 7]), new Float32Array([4, 5, 6])],
      ],
      sampleIndices: [81, 14],
      labels: [0, 2],
    },
    {
      name: 'Radiology / CT (v2)',
      layers: [0, 2],
      vectorsByLayer: [[new Float32Array([9, 8, 7])], [new Float32Array([6, 5, 4])]],
      sampleIndices: [3],
      labels: [true],
    },
  ];

  it('writes one file per run and layer and an index describing each', async () => {
    const index = await writeVectorsExport(dir, runs);
    expect((await readdir(dir)).sort()).toEqual(
      ['0_histopathology_layer0.npy', '0_histopathology_layer2.npy', '1_Radiology_CT_v2__layer0.npy', '1_Radiology_CT_v2__layer2.npy', VECTORS_INDEX_FILE].sort(),
    );
    expect(index.files[1]).toEqual({
      file: '0_histopathology_layer2.npy',
      run: 'histopathology',
      layer: 2,
      shape: [2, 3],
      dtype: 'float32',
      sample_indices: [81, 14],
      labels: [0, 2],
    });
    expect(index.files[3]).toMatchObject({ run: 'Radiology / CT (v2)', layer: 2, shape: [1, 3], labels: [true] });
    const written = JSON.parse(await readFile(path.join(dir, VECTORS_INDEX_FILE), 'utf8')) as VectorsExportIndex;
    expect(written).toEqual(index);
    const bytes = await readFile(path.join(dir, '0_histopathology_layer0.npy'));
    expect(bytes.length).toBe(128 + 2 * 3 * 4);
    expect(bytes.readFloatLE(128)).toBe(Math.fround(0.1));
  });

  it('checks every run before writing anything', async () => {
    const bad: VectorsExportRun = { ...runs[0]!, labels: [0] };
    await expect(writeVectorsExport(dir, [bad])).rejects.toThrow(/layer 0: 2 vectors but 2 sample indices and 1 labels/);
    const uneven: VectorsExportRun = {
      ...runs[0]!,
      vectorsByLayer: [runs[0]!.vectorsByLayer[0]!, [new Float32Array(3), new Float32Array(2)]],
    };
    await expect(writeVectorsExport(dir, [runs[1]!, uneven])).rejects.toThrow(/layer 2: sample 1 has 2 values, expected 3/);
    expect(await readdir(dir)).toEqual([]);
  });

  it.skipIf(numpyMissingReason !== null)('is read back exactly by numpy.load', async () => {
    await writeVectorsExport(dir, runs);
    const script = [
      'import json, sys, numpy as np',
      'out = {}',
      'for name in sys.argv[2:]:',
      '    a = np.load(sys.argv[1] + "/" + name)',
      '    out[name] = {"dtype": str(a.dtype), "shape": list(a.shape), "c": bool(a.flags["C_CONTIGUOUS"]), "values": a.astype(float).tolist()}',
      'print(json.dumps(out))',
    ].join('\n');
    const names = ['0_histopathology_layer2.npy', '1_Radiology_CT_v2__layer0.npy'];
    const result = spawnSync('python3', ['-c', script, dir, ...names], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const loaded = JSON.parse(result.stdout) as Record<string, { dtype: string; shape: number[]; c: boolean; values: number[][] }>;
    expect(loaded['0_histopathology_layer2.npy']).toEqual({
      dtype: 'float32',
      shape: [2, 3],
      c: true,
      values: [[Math.fround(-1e30), Math.fround(1e-30), 7], [4, 5, 6]],
    });
    expect(loaded['1_Radiology_CT_v2__layer0.npy']?.values).toEqual([[9, 8, 7]]);
  });
});
