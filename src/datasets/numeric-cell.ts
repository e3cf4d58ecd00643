/** A plain decimal number as written in a spreadsheet cell: optional sign, digits, optional fraction and exponent. */
const DECIMAL_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The finite number a table cell spells (surrounding spaces allowed), or null when it is not a clean number. */
export function parseNumericCell(cell: string): number | null {
  const trimmed = cell.trim();
  if (!DECIMAL_NUMBER.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}
