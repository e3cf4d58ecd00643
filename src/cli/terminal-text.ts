/**
 * Text bound for the terminal with its control characters shown escaped: dataset text, names, labels and paths can
 * hold ANSI escape sequences or other C0/C1 controls that would recolour the terminal, move the cursor, retitle the
 * window or hide what precedes them. Each is shown as \xHH (\u00HH for C1), except the tab and line feed that
 * terminalText keeps.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function escaped(character: string): string {
  const code = character.charCodeAt(0);
  const hex = code.toString(16).padStart(2, '0');
  return code <= 0x7f ? `\\x${hex}` : `\\u00${hex}`;
}

/** One line: every control character escaped, line breaks and tabs included. */
export function terminalLine(text: string): string {
  return text.replace(CONTROL, escaped);
}

/** A block of lines: control characters escaped, its own line breaks and tabs kept. */
export function terminalText(text: string): string {
  return text.replace(CONTROL_BUT_LAYOUT, escaped);
}
