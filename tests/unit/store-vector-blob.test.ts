import { describe, expect, it } from 'vitest';
import { blobToFloat32, float32ToBlob } from '../../src/store/vector-blob.js';

describe('float32 vector blobs', () => {
  it('writes IEEE-754 float32 little-endian bytes', () => {
    // 1.0 = 0x3F800000, -2.5 = 0xC0200000, 0.0 = 0x00000000
    const blob = float32ToBlob(Float32Array.from([1, -2.5, 0]));
    expect([...blob]).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0, 0x00, 0x00, 0x00, 0x00]);
  });

  it('reads back what it wrote, from an unaligned buffer too', () => {
    const vector = Float32Array.from([3.25, -1e-7, 65504, Number.POSITIVE_INFINITY]);
    const padded = Buffer.concat([Buffer.from([0xff]), float32ToBlob(vector)]);
    expect(blobToFloat32(padded.subarray(1))).toEqual(vector);
  });

  it('rejects a byte length that is not whole float32 values', () => {
    expect(blobToFloat32(Buffer.from([0, 0, 128]))).toBeNull();
  });
});
