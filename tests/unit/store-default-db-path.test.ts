import { describe, expect, it } from 'vitest';
import { defaultDbPath } from '../../src/store/default-db-path.js';

describe('defaultDbPath', () => {
  it('prefers $COTLAB_WB_DB', () => {
    expect(defaultDbPath({ COTLAB_WB_DB: '/tmp/my.sqlite', XDG_DATA_HOME: '/x' }, 'linux', '/home/ana')).toBe(
      '/tmp/my.sqlite',
    );
  });

  it('uses $XDG_DATA_HOME on Linux when it is absolute', () => {
    expect(defaultDbPath({ XDG_DATA_HOME: '/data/ana' }, 'linux', '/home/ana')).toBe(
      '/data/ana/cotlab-workbench/history.sqlite',
    );
  });

  it('falls back to ~/.local/share on Linux when XDG_DATA_HOME is unset, empty or relative', () => {
    const expected = '/home/ana/.local/share/cotlab-workbench/history.sqlite';
    expect(defaultDbPath({}, 'linux', '/home/ana')).toBe(expected);
    expect(defaultDbPath({ XDG_DATA_HOME: '' }, 'linux', '/home/ana')).toBe(expected);
    expect(defaultDbPath({ XDG_DATA_HOME: 'relative/dir' }, 'linux', '/home/ana')).toBe(expected);
  });

  it('uses ~/Library/Application Support on macOS', () => {
    expect(defaultDbPath({ XDG_DATA_HOME: '/ignored' }, 'darwin', '/Users/ana')).toBe(
      '/Users/ana/Library/Application Support/cotlab-workbench/history.sqlite',
    );
  });

  it('uses %APPDATA% on Windows, with Windows separators', () => {
    expect(defaultDbPath({ APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ana')).toBe(
      'C:\\Users\\ana\\AppData\\Roaming\\cotlab-workbench\\history.sqlite',
    );
    expect(defaultDbPath({}, 'win32', 'C:\\Users\\ana')).toBe(
      'C:\\Users\\ana\\AppData\\Roaming\\cotlab-workbench\\history.sqlite',
    );
  });
});
