import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Where onnxruntime-node keeps the CUDA execution provider library, which its install script downloads separately
 * (skipped offline; `npm run install-cuda` adds it). null on platforms that have no CUDA build for Node.
 */
function cudaProviderLibraryPath(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  const packageDir = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  return path.join(packageDir, 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so');
}

/** Whether trying CUDA can possibly work; saves `auto` from an attempt that fails with a loud native error. */
export function cudaProviderInstalled(): boolean {
  const library = cudaProviderLibraryPath();
  return library !== null && existsSync(library);
}
