import { open, readFile } from 'node:fs/promises';

const BLOCK = 512;

/** A file cannot be put in the archive as asked (its name does not fit the ustar header). */
export class TarEntryError extends Error {
  constructor(readonly entryName: string, message: string) {
    super(`Cannot archive "${entryName}": ${message}`);
    this.name = 'TarEntryError';
  }
}

/** A file to archive: the name it gets inside the archive and where its bytes are now. */
export interface TarEntry {
  name: string;
  file: string;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** The ustar header of a regular file (POSIX.1-1988), read by tar, Python's tarfile and 7-Zip alike. */
export function tarHeader(name: string, size: number, mtimeSeconds: number): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 255) throw new TarEntryError(name, 'the name is longer than 255 bytes');
  let prefix = Buffer.alloc(0);
  let base = nameBytes;
  if (nameBytes.length > 100) {
    // Split at a slash so that the prefix (155 bytes) and the name (100 bytes) both fit.
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new TarEntryError(name, 'the name cannot be split to fit a ustar header');
    prefix = Buffer.from(name.slice(0, cut), 'utf8');
    base = Buffer.from(name.slice(cut + 1), 'utf8');
  }
  const header = Buffer.alloc(BLOCK);
  base.copy(header, 0);
  header.write(octal(0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(Math.floor(mtimeSeconds), 12), 136, 'ascii');
  header.write('        ', 148, 'ascii');
  header.write('0', 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  prefix.copy(header, 345);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

/**
 * Writes an uncompressed ustar archive of `entries` (in order) to `target`, one file in memory at a time; returns
 * its size in bytes. .npy files barely compress, so no compression is lost.
 */
export async function writeTar(target: string, entries: readonly TarEntry[], mtime = new Date()): Promise<number> {
  const handle = await open(target, 'w');
  let written = 0;
  const put = async (bytes: Buffer) => {
    await handle.write(bytes);
    written += bytes.length;
  };
  try {
    for (const entry of entries) {
      const content = await readFile(entry.file);
      await put(tarHeader(entry.name, content.length, mtime.getTime() / 1000));
      await put(content);
      const padding = (BLOCK - (content.length % BLOCK)) % BLOCK;
      if (padding > 0) await put(Buffer.alloc(padding));
    }
    await put(Buffer.alloc(2 * BLOCK));
  } finally {
    await handle.close();
  }
  return written;
}
