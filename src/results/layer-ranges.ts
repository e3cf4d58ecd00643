/** Layer lists read better as ranges: 0-5, 8, 10-12. */
export function layerRanges(layers: readonly number[]): string {
  const parts: string[] = [];
  let start: number | undefined;
  let previous: number | undefined;
  for (const layer of [...layers, Number.NaN]) {
    if (previous !== undefined && layer === previous + 1) {
      previous = layer;
      continue;
    }
    if (start !== undefined && previous !== undefined) parts.push(start === previous ? `${start}` : `${start}-${previous}`);
    start = layer;
    previous = layer;
  }
  return parts.join(', ');
}
