/**
 * Seeded random numbers for the demo weights. Each tensor gets its own stream derived from the seed and
 * the tensor's name, so one tensor's values do not depend on how many others were drawn before it.
 */

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Mulberry32: a small 32-bit generator; uniform values in [0, 1) with 32 bits of resolution. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  static forTensor(seed: number, tensorName: string): SeededRandom {
    return new SeededRandom(Math.imul(seed >>> 0, 0x9e3779b1) ^ fnv1a32(tensorName));
  }

  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal values by the Box-Muller transform (both values of each pair are used). */
  normals(count: number): Float64Array {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i += 2) {
      // 1 - u lies in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
      const angle = 2 * Math.PI * this.uniform();
      out[i] = radius * Math.cos(angle);
      if (i + 1 < count) out[i + 1] = radius * Math.sin(angle);
    }
    return out;
  }
}
