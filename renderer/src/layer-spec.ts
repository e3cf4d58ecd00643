/** A layer selection typed by a researcher: "all", or numbers and ranges such as "0-5, 8, 12-14". */
export class LayerSpecError extends Error {
  constructor(readonly spec: string, reason: string) {
    super(`Layers "${spec}": ${reason}`);
    this.name = 'LayerSpecError';
  }
}

/** Returns null for every layer, else the sorted unique layer indices. */
export function parseLayerSpec(spec: string): number[] | null {
  const trimmed = spec.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'all') return null;
  const layers = new Set<number>();
  for (const part of trimmed.split(',')) {
    const piece = part.trim();
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(piece);
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (from > to) throw new LayerSpecError(spec, `the range ${piece} runs backwards.`);
      for (let layer = from; layer <= to; layer += 1) layers.add(layer);
    } else if (/^\d+$/.test(piece)) {
      layers.add(Number(piece));
    } else {
      throw new LayerSpecError(spec, `"${piece}" is not a layer number or a range like 0-5.`);
    }
  }
  return [...layers].sort((a, b) => a - b);
}

/** A layer list as the form writes it: "all" for every layer, runs of consecutive layers as ranges ("0-5, 8"). */
export function formatLayerSpec(layers: readonly number[] | null): string {
  if (layers === null) return 'all';
  const sorted = [...new Set(layers)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j += 1;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
