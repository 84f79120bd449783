/**
 * Reads a GGUF's metadata and tensor infos with node-llama-cpp's reader (never the weights) and
 * checks that the file is whole. A missing file, a non-GGUF, a corrupt or a truncated one becomes a
 * JuneError (FILE_NOT_FOUND / GGUF_CORRUPT), never a crash.
 *
 * node-llama-cpp's reader does not notice truncation (reads past the end come back as zeros), so
 * the file size is checked against what the header declares.
 */
import {open, stat} from 'node:fs/promises';
import {basename} from 'node:path';
import type {GgufFileInfo, GgufInsights, Llama} from 'node-llama-cpp';
import {JuneError, fromFsError} from '../../errors.js';
import type {ChatTemplateReport} from '../model-host.js';
import {countParameters, integrityProblem} from './shape.js';

export interface GgufSummary {
  path: string;
  /** File name, used to name the model in messages. */
  name: string;
  /** general.name when the file has one. */
  displayName: string | null;
  fileBytes: number;
  ggufVersion: number;
  architecture: string;
  tensorCount: number;
  /** Counted from the tensor shapes. */
  parameters: number;
  /** Bytes of tensor data (weights). */
  weightsBytes: number;
  /** general.file_type as llama.cpp names it (e.g. MOSTLY_Q8_0), when present. */
  fileType: string | null;
  trainContextSize: number | null;
  layers: number;
  embeddingLength: number | null;
  headCount: number | null;
  headCountKv: number | null;
  expertCount: number | null;
  hasChatTemplate: boolean;
}

export interface GgufModelFile {
  summary: GgufSummary;
  fileInfo: GgufFileInfo;
  insights: GgufInsights;
}

const PARSE_TIMEOUT_MS = 20_000;
const HEADER_BYTES = 24;

async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    const {bytesRead} = await fh.read(buf, 0, HEADER_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Pure: the fixed GGUF header (magic, version, tensor count, metadata count) against the file size.
 * Every metadata entry takes at least 13 bytes and every tensor info at least 32, so counts the file
 * cannot hold mean damage.
 */
export function checkHeader(head: Buffer, fileBytes: number): string | null {
  if (head.length < 4 || head.toString('latin1', 0, 4) !== 'GGUF') return 'it does not start with the GGUF magic bytes';
  if (head.length < HEADER_BYTES) return `the file is ${fileBytes} bytes, shorter than a GGUF header (truncated)`;
  const version = head.readUInt32LE(4);
  if (version !== 2 && version !== 3) return `unsupported GGUF version ${version} (expected 2 or 3)`;
  const tensors = head.readBigUInt64LE(8);
  const kvs = head.readBigUInt64LE(16);
  const minBytes = BigInt(HEADER_BYTES) + kvs * 13n + tensors * 32n;
  if (minBytes > BigInt(fileBytes))
    return `the header declares ${tensors} tensors and ${kvs} metadata entries, more than a ${fileBytes}-byte file can hold (truncated or damaged)`;
  return null;
}

function corrupt(path: string, why: string, cause?: unknown): JuneError {
  return new JuneError('GGUF_CORRUPT', `${path} is not a usable GGUF model: ${why}`, {
    hint: 'download it again (june download-models) or point --model at another file',
    cause,
  });
}

function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/**
 * Metadata, tensor infos and node-llama-cpp's GgufInsights for a GGUF file. Pass the `llama` that
 * will load the model so that estimates match its backend; without one node-llama-cpp uses a slim
 * backend-less instance.
 */
export async function readGguf(path: string, options: {llama?: Llama; signal?: AbortSignal} = {}): Promise<GgufModelFile> {
  let fileBytes: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), {code: 'EISDIR'});
    fileBytes = st.size;
  } catch (err) {
    const e = fromFsError(err, path, 'cannot read the model');
    if (e.code === 'FILE_NOT_FOUND')
      throw new JuneError('MODEL_NOT_FOUND', `model file ${path} does not exist`, {
        hint: 'check the path, or fetch the model with `june download-models ID`',
        cause: err,
      });
    throw e;
  }

  const headerProblem = checkHeader(await readHead(path), fileBytes);
  if (headerProblem) throw corrupt(path, headerProblem);

  const {readGgufFileInfo, GgufInsights} = await import('node-llama-cpp');
  let fileInfo: GgufFileInfo;
  // garbage counts in a damaged header can send the reader into a long loop: bound it
  const parseLimit = AbortSignal.timeout(PARSE_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, parseLimit]) : parseLimit;
  try {
    fileInfo = await readGgufFileInfo(path, {
      sourceType: 'filesystem',
      logWarnings: false,
      // the split-file logic would look for sibling parts; june loads single files
      spliceSplitFiles: false,
      signal,
    });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    if (parseLimit.aborted) throw corrupt(path, `its metadata could not be parsed within ${PARSE_TIMEOUT_MS / 1000} s`, err);
    const name = (err as Error).name;
    const msg = (err as Error).message ?? String(err);
    if (name === 'InvalidGgufMagicError' || /magic/i.test(msg)) throw corrupt(path, 'it does not start with the GGUF magic bytes', err);
    throw corrupt(path, `its header cannot be parsed (${msg.split('\n')[0]})`, err);
  }

  const tensors = fileInfo.fullTensorInfo ?? fileInfo.tensorInfo ?? [];
  const architecture = fileInfo.metadata?.general?.architecture as string | undefined;
  const dataOffset = num(tensors[0] ? BigInt(tensors[0].fileOffset) - BigInt(tensors[0].offset) : fileInfo.infoEndOffset) ?? 0;

  // GgufInsights computes tensor byte sizes with llama.cpp's own type table
  let insights: GgufInsights;
  try {
    insights = await GgufInsights.from(fileInfo, options.llama);
  } catch (err) {
    throw corrupt(path, `its tensor table is invalid (${(err as Error).message})`, err);
  }
  let weightsBytes: number;
  try {
    weightsBytes = insights.modelSize;
  } catch (err) {
    throw corrupt(path, `a tensor has an unknown type (${(err as Error).message})`, err);
  }
  const problem = integrityProblem({
    fileBytes,
    dataOffset: Math.max(dataOffset, fileInfo.infoEndOffset ?? 0),
    tensorDataBytes: weightsBytes,
    tensorCount: tensors.length,
    architecture,
    tensorNames: tensors.map((t) => t.name),
  });
  if (problem) throw corrupt(path, problem);

  const arch = fileInfo.architectureMetadata ?? {};
  const attention = (arch as {attention?: {head_count?: unknown; head_count_kv?: unknown}}).attention ?? {};
  const fileTypeNum = num(fileInfo.metadata?.general?.file_type);
  let fileType: string | null = null;
  if (fileTypeNum !== null) {
    const {GgufFileType} = await import('node-llama-cpp');
    fileType = (GgufFileType as unknown as Record<number, string>)[fileTypeNum] ?? String(fileTypeNum);
  }
  const generalName = fileInfo.metadata?.general?.name;
  const summary: GgufSummary = {
    path,
    name: basename(path),
    displayName: typeof generalName === 'string' && generalName.length > 0 ? generalName : null,
    fileBytes,
    ggufVersion: fileInfo.version,
    architecture: architecture ?? 'unknown',
    tensorCount: tensors.length,
    parameters: countParameters(tensors),
    weightsBytes,
    fileType,
    trainContextSize: num((arch as {context_length?: unknown}).context_length),
    layers: num((arch as {block_count?: unknown}).block_count) ?? Math.max(0, insights.totalLayers - 1),
    embeddingLength: num((arch as {embedding_length?: unknown}).embedding_length),
    headCount: num(attention.head_count),
    headCountKv: num(attention.head_count_kv),
    expertCount: num((arch as {expert_count?: unknown}).expert_count),
    hasChatTemplate: typeof fileInfo.metadata?.tokenizer?.chat_template === 'string',
  };
  return {summary, fileInfo, insights};
}

/** Pure: does the GGUF carry its own chat template (`tokenizer.chat_template`)? A base model has none. */
export function ggufChatTemplate(file: Pick<GgufModelFile, 'fileInfo'>): ChatTemplateReport {
  const template = file.fileInfo.metadata?.tokenizer?.chat_template;
  if (typeof template === 'string' && template.trim().length > 0)
    return {present: true, source: 'the GGUF has a tokenizer.chat_template', template};
  return {present: false, source: 'the GGUF has no tokenizer.chat_template'};
}
