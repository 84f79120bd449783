/**
 * Pure arithmetic on a GGUF's declared shape: parameter count from tensor dimensions (many files,
 * the tiny test model included, carry no parameter-count key), the KV cache a context needs, and
 * the integrity check that the file really holds the tensor data its header declares.
 */

export interface TensorShape {
  name: string;
  dimensions: readonly (number | bigint)[];
}

/** Sum over tensors of the product of their dimensions. */
export function countParameters(tensors: readonly TensorShape[]): number {
  let total = 0n;
  for (const t of tensors) {
    let n = 1n;
    for (const d of t.dimensions) n *= BigInt(d);
    total += n;
  }
  return Number(total);
}

export interface AttentionShape {
  layers: number;
  embeddingLength: number;
  headCount: number;
  /** Defaults to headCount (no GQA). */
  headCountKv?: number;
  /** Per-head key/value lengths when the file declares them. */
  keyLength?: number;
  valueLength?: number;
}

/** Bytes of an F16 KV cache for `contextSize` tokens on one sequence (K and V, every layer). */
export function kvCacheBytes(shape: AttentionShape, contextSize: number, bytesPerElement = 2): number {
  if (shape.layers <= 0 || shape.headCount <= 0) return 0;
  const headDim = shape.embeddingLength / shape.headCount;
  const kvHeads = shape.headCountKv ?? shape.headCount;
  const k = kvHeads * (shape.keyLength ?? headDim);
  const v = kvHeads * (shape.valueLength ?? headDim);
  return Math.round(shape.layers * contextSize * (k + v) * bytesPerElement);
}

export interface IntegrityInput {
  fileBytes: number;
  /** Where the tensor data section starts (end of header, metadata, tensor infos and padding). */
  dataOffset: number;
  /** Bytes of tensor data the header declares (from the tensor types and shapes). */
  tensorDataBytes: number;
  tensorCount: number;
  architecture: string | undefined;
  tensorNames: readonly string[];
}

/** Null when the file is whole, else the reason it is not. */
export function integrityProblem(x: IntegrityInput): string | null {
  if (x.dataOffset > x.fileBytes)
    return `the header declares ${x.dataOffset} bytes of metadata but the file has only ${x.fileBytes} bytes (truncated)`;
  if (!x.architecture) return 'no general.architecture key in the metadata';
  if (x.tensorCount === 0) return 'the file declares no tensors';
  if (x.tensorNames.some((n) => n.length === 0)) return 'a tensor has an empty name';
  const need = x.dataOffset + x.tensorDataBytes;
  if (need > x.fileBytes)
    return `the tensors need ${need} bytes but the file has only ${x.fileBytes} (truncated: ${need - x.fileBytes} bytes missing)`;
  return null;
}
