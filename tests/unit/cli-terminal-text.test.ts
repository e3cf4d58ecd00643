import { describe, expect, it } from 'vitest';
import { terminalLine, terminalText } from '../../src/cli/terminal-text.js';

describe('text bound for the terminal', () => {
  it('shows ANSI escape sequences and other C0 and C1 controls escaped', () => {
    expect(terminalLine('\u001b[31mmalignant\u001b[0m')).toBe('\\x1b[31mmalignant\\x1b[0m');
    expect(terminalLine('bell\u0007 back\u0008 del\u007f csi\u009b nel\u0085')).toBe('bell\\x07 back\\x08 del\\x7f csi\\u009b nel\\u0085');
    expect(terminalLine('title\u001b]0;owned\u0007')).toBe('title\\x1b]0;owned\\x07');
  });

  it('a line escapes its line breaks and tabs too; a block keeps them', () => {
    expect(terminalLine('a\tb\r\nc')).toBe('a\\x09b\\x0d\\x0ac');
    expect(terminalText('a\tb\r\nc\u001b[2J')).toBe('a\tb\\x0d\nc\\x1b[2J');
  });

  it('leaves printable text alone, accents and symbols included', () => {
    const text = 'Œdème ≥ 2 mm, µm, 病理诊断 🩺 "quoted" \\ backslash';
    expect(terminalLine(text)).toBe(text);
    expect(terminalText(text)).toBe(text);
  });
});
