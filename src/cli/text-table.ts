import { terminalLine } from './terminal-text.js';

/** A plain-text table for the terminal: columns padded to their widest cell, numbers aligned right. */
export function formatTable(headers: readonly string[], cells: ReadonlyArray<readonly string[]>, rightAligned: readonly number[] = []): string {
  // A cell is one line: a line break or escape sequence from the data would break the table.
  const rows = cells.map((row) => row.map(terminalLine));
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return rightAligned.includes(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** Short human duration: `8.2 s`, `4 min 05 s`, `2 h 03 min`; `-` when unknown. */
export function shortDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '-';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}

/** A metric for a table cell: fixed digits, `-` when absent or not a number. */
export function metric(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}
