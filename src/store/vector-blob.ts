/** Float32 vectors as BLOBs: 4 bytes per value, little-endian regardless of the host, so files move between machines. */

export function float32ToBlob(vector: Float32Array): Buffer {
  const blob = Buffer.alloc(vector.length * 4);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  vector.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return blob;
}

/** Decodes a stored vector; returns null when the byte length cannot be whole float32 values (a damaged row). */
export function blobToFloat32(blob: Uint8Array): Float32Array | null {
  if (blob.byteLength % 4 !== 0) return null;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const vector = new Float32Array(blob.byteLength / 4);
  for (let index = 0; index < vector.length; index += 1) vector[index] = view.getFloat32(index * 4, true);
  return vector;
}
