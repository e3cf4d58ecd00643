import { describe, expect, it } from 'vitest';
import { float16Bits } from '../../scripts/demo-model/float16.js';

describe('float16Bits', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [65520, 0x7c00],
    [0.1, 0x2e66],
    [2 ** -24, 0x0001],
    [2 ** -26, 0x0000],
    [0, 0x0000],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [1 + 2 ** -11, 0x3c00],
    [1 + 3 * 2 ** -11, 0x3c02],
  ])('%d -> 0x%s', (value, bits) => {
    expect(float16Bits(value)).toBe(bits);
  });

  it('keeps NaN a NaN', () => {
    const bits = float16Bits(NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x03ff).not.toBe(0);
  });
});
