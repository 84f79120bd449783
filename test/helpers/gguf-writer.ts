/**
 * A small GGUF v3 writer for tests and benchmark scripts: header, typed metadata, tensor infos,
 * alignment, and the tensor data either left sparse (ftruncate: a 30B-parameter file costs no disk)
 * or filled with seeded random weights (F32, F16, Q8_0) for a realistic synthetic model.
 *
 * Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (little endian throughout).
 */
import {open} from 'node:fs/promises';

export type GgufValue =
  | {type: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64'; value: number}
  | {type: 'u64' | 'i64'; value: number | bigint}
  | {type: 'bool'; value: boolean}
  | {type: 'string'; value: string}
  | {type: 'array'; itemType: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64' | 'u64' | 'i64' | 'bool' | 'string'; value: readonly (number | bigint | boolean | string)[]};

/** ggml tensor types this writer can size and fill. */
export const GGML_TYPE = {F32: 0, F16: 1, Q8_0: 8} as const;
export type GgmlTypeName = keyof typeof GGML_TYPE;

export interface TensorSpec {
  name: string;
  /** ggml order: ne[0] first (the row length), e.g. token_embd is [n_embd, n_vocab]. */
  dims: number[];
  type: GgmlTypeName;
}

export interface GgufSpec {
  metadata: ReadonlyArray<readonly [string, GgufValue]>;
  tensors: readonly TensorSpec[];
  alignment?: number;
}

const VALUE_TYPE = {u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12} as const;

export function tensorBytes(t: Pick<TensorSpec, 'dims' | 'type'>): number {
  const n = t.dims.reduce((a, b) => a * b, 1);
  switch (t.type) {
    case 'F32':
      return n * 4;
    case 'F16':
      return n * 2;
    case 'Q8_0':
      if (t.dims[0]! % 32 !== 0) throw new Error(`Q8_0 needs rows that are a multiple of 32 (got ${t.dims[0]})`);
      return (n / 32) * 34;
  }
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

class Buf {
  private chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  u64(v: number | bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  scalar(type: Exclude<GgufValue['type'], 'array'>, v: number | bigint | boolean | string): void {
    const b8 = Buffer.alloc(8);
    switch (type) {
      case 'u8': b8.writeUInt8(Number(v)); this.push(b8.subarray(0, 1)); return;
      case 'i8': b8.writeInt8(Number(v)); this.push(b8.subarray(0, 1)); return;
      case 'u16': b8.writeUInt16LE(Number(v)); this.push(b8.subarray(0, 2)); return;
      case 'i16': b8.writeInt16LE(Number(v)); this.push(b8.subarray(0, 2)); return;
      case 'u32': b8.writeUInt32LE(Number(v)); this.push(b8.subarray(0, 4)); return;
      case 'i32': b8.writeInt32LE(Number(v)); this.push(b8.subarray(0, 4)); return;
      case 'f32': b8.writeFloatLE(Number(v)); this.push(b8.subarray(0, 4)); return;
      case 'f64': b8.writeDoubleLE(Number(v)); this.push(b8); return;
      case 'u64': b8.writeBigUInt64LE(BigInt(v as number | bigint)); this.push(b8); return;
      case 'i64': b8.writeBigInt64LE(BigInt(v as number | bigint)); this.push(b8); return;
      case 'bool': b8.writeUInt8(v ? 1 : 0); this.push(b8.subarray(0, 1)); return;
      case 'string': this.str(String(v)); return;
    }
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

/** Header + metadata + tensor infos + padding, and where each tensor's data goes. */
export function encodeGgufHeader(spec: GgufSpec): {header: Buffer; dataOffset: number; offsets: number[]; dataBytes: number} {
  const alignment = spec.alignment ?? 32;
  const b = new Buf();
  b.push(Buffer.from('GGUF', 'ascii'));
  b.u32(3);
  b.u64(spec.tensors.length);
  const metadata = spec.alignment ? [...spec.metadata, ['general.alignment', {type: 'u32', value: alignment}] as const] : spec.metadata;
  b.u64(metadata.length);
  for (const [key, val] of metadata) {
    b.str(key);
    b.u32(VALUE_TYPE[val.type]);
    if (val.type === 'array') {
      b.u32(VALUE_TYPE[val.itemType]);
      b.u64(val.value.length);
      for (const item of val.value) b.scalar(val.itemType, item);
    } else {
      b.scalar(val.type, val.value);
    }
  }
  const offsets: number[] = [];
  let off = 0;
  for (const t of spec.tensors) {
    b.str(t.name);
    b.u32(t.dims.length);
    for (const d of t.dims) b.u64(d);
    b.u32(GGML_TYPE[t.type]);
    b.u64(off);
    offsets.push(off);
    off = align(off + tensorBytes(t), alignment);
  }
  const last = spec.tensors[spec.tensors.length - 1];
  const dataBytes = last ? offsets[offsets.length - 1]! + tensorBytes(last) : 0;
  const dataOffset = align(b.length, alignment);
  b.push(Buffer.alloc(dataOffset - b.length));
  return {header: b.concat(), dataOffset, offsets, dataBytes};
}

/** xorshift32: reproducible random weights from a seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half-precision bits of a float (truncating; subnormals flush to zero). */
export function f16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | ((x & 0x7fffff) >>> 13);
}

/** Random weights in [-scale, scale] for one tensor, encoded in its type. */
export function randomTensorData(t: Pick<TensorSpec, 'dims' | 'type'>, next: () => number, scale = 0.05): Buffer {
  const n = t.dims.reduce((a, b) => a * b, 1);
  const out = Buffer.alloc(tensorBytes(t));
  switch (t.type) {
    case 'F32':
      for (let i = 0; i < n; i++) out.writeFloatLE((next() * 2 - 1) * scale, i * 4);
      return out;
    case 'F16':
      for (let i = 0; i < n; i++) out.writeUInt16LE(f16Bits((next() * 2 - 1) * scale), i * 2);
      return out;
    case 'Q8_0': {
      // block: f16 scale d, then 32 int8 quants; value = d * q
      const d = f16Bits(scale / 127);
      for (let blk = 0, o = 0; blk < n / 32; blk++, o += 34) {
        out.writeUInt16LE(d, o);
        for (let j = 0; j < 32; j++) out.writeInt8(Math.round((next() * 2 - 1) * 127), o + 2 + j);
      }
      return out;
    }
  }
}

/**
 * Writes a GGUF file. `fill: 'sparse'` writes only the header and extends the file to its full size
 * with ftruncate (holes read as zeros); `fill: 'random'` writes seeded random weights tensor by tensor.
 * Returns the file's total size.
 */
export async function writeGguf(path: string, spec: GgufSpec, options: {fill: 'sparse' | 'random'; seed?: number} = {fill: 'sparse'}): Promise<number> {
  const {header, dataOffset, offsets, dataBytes} = encodeGgufHeader(spec);
  const total = dataOffset + dataBytes;
  const fh = await open(path, 'w');
  try {
    await fh.write(header, 0, header.length, 0);
    if (options.fill === 'random') {
      const next = rng(options.seed ?? 1);
      for (let i = 0; i < spec.tensors.length; i++) {
        const data = randomTensorData(spec.tensors[i]!, next);
        await fh.write(data, 0, data.length, dataOffset + offsets[i]!);
      }
    }
    await fh.truncate(total);
  } finally {
    await fh.close();
  }
  return total;
}

/** Metadata and tensors of a llama-architecture model of the given shape (no tokenizer vocabulary). */
export function llamaSpec(shape: {
  name: string;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv?: number;
  nFf: number;
  nVocab: number;
  contextLength?: number;
  weightType?: GgmlTypeName;
  /** Extra metadata (e.g. a tokenizer copied from another model). */
  extraMetadata?: ReadonlyArray<readonly [string, GgufValue]>;
}): GgufSpec {
  const w = shape.weightType ?? 'Q8_0';
  const nHeadKv = shape.nHeadKv ?? shape.nHead;
  const kvDim = (shape.nEmbd / shape.nHead) * nHeadKv;
  const fileType = w === 'Q8_0' ? 7 : w === 'F16' ? 1 : 0;
  const metadata: Array<readonly [string, GgufValue]> = [
    ['general.architecture', {type: 'string', value: 'llama'}],
    ['general.name', {type: 'string', value: shape.name}],
    ['general.file_type', {type: 'u32', value: fileType}],
    ['llama.context_length', {type: 'u32', value: shape.contextLength ?? 4096}],
    ['llama.embedding_length', {type: 'u32', value: shape.nEmbd}],
    ['llama.block_count', {type: 'u32', value: shape.nLayer}],
    ['llama.feed_forward_length', {type: 'u32', value: shape.nFf}],
    ['llama.rope.dimension_count', {type: 'u32', value: shape.nEmbd / shape.nHead}],
    ['llama.attention.head_count', {type: 'u32', value: shape.nHead}],
    ['llama.attention.head_count_kv', {type: 'u32', value: nHeadKv}],
    ['llama.attention.layer_norm_rms_epsilon', {type: 'f32', value: 1e-5}],
    ['llama.vocab_size', {type: 'u32', value: shape.nVocab}],
    ...(shape.extraMetadata ?? []),
  ];
  const tensors: TensorSpec[] = [{name: 'token_embd.weight', dims: [shape.nEmbd, shape.nVocab], type: w}];
  for (let i = 0; i < shape.nLayer; i++) {
    tensors.push(
      {name: `blk.${i}.attn_norm.weight`, dims: [shape.nEmbd], type: 'F32'},
      {name: `blk.${i}.attn_q.weight`, dims: [shape.nEmbd, shape.nEmbd], type: w},
      {name: `blk.${i}.attn_k.weight`, dims: [shape.nEmbd, kvDim], type: w},
      {name: `blk.${i}.attn_v.weight`, dims: [shape.nEmbd, kvDim], type: w},
      {name: `blk.${i}.attn_output.weight`, dims: [shape.nEmbd, shape.nEmbd], type: w},
      {name: `blk.${i}.ffn_norm.weight`, dims: [shape.nEmbd], type: 'F32'},
      {name: `blk.${i}.ffn_gate.weight`, dims: [shape.nEmbd, shape.nFf], type: w},
      {name: `blk.${i}.ffn_up.weight`, dims: [shape.nEmbd, shape.nFf], type: w},
      {name: `blk.${i}.ffn_down.weight`, dims: [shape.nFf, shape.nEmbd], type: w},
    );
  }
  tensors.push({name: 'output_norm.weight', dims: [shape.nEmbd], type: 'F32'}, {name: 'output.weight', dims: [shape.nEmbd, shape.nVocab], type: w});
  return {metadata, tensors};
}

/** Parameters of a llamaSpec shape, for asserting against the policy's count. */
export function specParameters(spec: GgufSpec): number {
  return spec.tensors.reduce((a, t) => a + t.dims.reduce((x, y) => x * y, 1), 0);
}
