import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** A file that had to be fingerprinted (model graph, dataset) could not be read. */
export class FileHashError extends Error {
  readonly file: string;

  constructor(file: string, options: { cause: unknown }) {
    super(`Could not read ${file} to fingerprint it: ${(options.cause as Error).message}`, options);
    this.name = 'FileHashError';
    this.file = file;
  }
}

/** sha256 of a file's bytes (hex), streamed so multi-gigabyte model files need no memory. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (cause) {
    throw new FileHashError(file, { cause });
  }
  return hash.digest('hex');
}
