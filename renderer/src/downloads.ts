import type { ExportedReport } from '../../src/contract/index.js';
import type { WorkbenchApi } from './workbench-api.js';

/** Hands a file to the browser as a download. */
function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Saves a text export through the native dialog on the desktop, or as a browser download in serve mode. */
export async function saveReport(api: WorkbenchApi, report: ExportedReport): Promise<string | null> {
  if (api.desktop) return api.desktop.saveReport(report.fileName, report.content);
  downloadBlob(new Blob([report.content], { type: report.mimeType }), report.fileName);
  return report.fileName;
}

/** Bytes fetched per call: large enough to be quick, small enough for one JSON answer. */
const CHUNK_BYTES = 4 * 1024 * 1024;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The .npy export of an experiment as one tar download: the engine packs it, the page fetches it piece by piece
 * (reporting the share done) and saves it.
 */
export async function downloadVectorsArchive(
  api: WorkbenchApi,
  experimentId: string,
  onProgress: (fraction: number) => void,
): Promise<{ fileName: string; bytes: number }> {
  const archive = await api.call('exportVectorsArchive', { experimentId });
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let offset = 0;
  for (let done = archive.bytes === 0; !done; ) {
    const chunk = await api.call('readExportChunk', { experimentId, fileName: archive.fileName, offset, length: CHUNK_BYTES });
    const bytes = decodeBase64(chunk.base64);
    parts.push(bytes);
    offset += bytes.length;
    done = chunk.done || bytes.length === 0;
    onProgress(archive.bytes === 0 ? 1 : offset / archive.bytes);
  }
  downloadBlob(new Blob(parts, { type: archive.mimeType }), archive.fileName);
  return { fileName: archive.fileName, bytes: offset };
}
