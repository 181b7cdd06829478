// Writes a tiny llama-architecture GGUF (v3) with random f32 weights, so the in-process llama.cpp
// provider can be tested without downloading a model. The output is gibberish by design; what
// matters is that llama.cpp loads it, tokenizes a prompt and generates tokens.
import { writeFile } from 'node:fs/promises'

export interface TinyGgufOptions {
  /** Hidden size; must be a multiple of headCount. */
  embeddingLength?: number
  headCount?: number
  blockCount?: number
  feedForwardLength?: number
  contextLength?: number
  /** Seed of the weight generator (same seed, same bytes). */
  seed?: number
}

export const DEFAULT_TINY_GGUF_OPTIONS: Readonly<Required<TinyGgufOptions>> = Object.freeze({
  embeddingLength: 32,
  headCount: 4,
  blockCount: 2,
  feedForwardLength: 64,
  contextLength: 256,
  seed: 42,
})

const GGUF_MAGIC = 0x46554747 // 'GGUF' read as little-endian uint32
const GGUF_VERSION = 3
const ALIGNMENT_BYTES = 32
const GGML_TYPE_F32 = 0

enum ValueType {
  Uint32 = 4,
  Float32 = 6,
  String = 8,
  Array = 9,
  Int32 = 5,
}

// SentencePiece token types as llama.cpp reads them.
const TOKEN_NORMAL = 1
const TOKEN_UNKNOWN = 2
const TOKEN_CONTROL = 3
const TOKEN_BYTE = 6

type MetadataValue =
  | { type: ValueType.Uint32; value: number }
  | { type: ValueType.Float32; value: number }
  | { type: ValueType.String; value: string }
  | { type: ValueType.Array; elementType: ValueType.String; value: string[] }
  | { type: ValueType.Array; elementType: ValueType.Float32; value: number[] }
  | { type: ValueType.Array; elementType: ValueType.Int32; value: number[] }

interface Tensor {
  name: string
  /** ggml order: dims[0] is the fastest-varying (row length). */
  dims: number[]
  data: Float32Array
}

/**
 * The vocabulary: control tokens, byte-fallback tokens for ASCII only (so generated text is always
 * valid ASCII), the SentencePiece space marker and every printable ASCII character.
 */
function buildVocabulary(): { tokens: string[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>']
  const types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL]
  for (let byte = 0; byte < 0x80; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`)
    types.push(TOKEN_BYTE)
  }
  tokens.push('\u2581')
  types.push(TOKEN_NORMAL)
  for (let code = 0x21; code < 0x7f; code++) {
    tokens.push(String.fromCharCode(code))
    types.push(TOKEN_NORMAL)
  }
  for (const word of ['\u2581hello', '\u2581world', '\u2581the', '\u2581a']) {
    tokens.push(word)
    types.push(TOKEN_NORMAL)
  }
  return { tokens, types }
}

/** mulberry32: small deterministic generator, enough for test weights. */
function randomGenerator(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}

function buildTensors(options: Required<TinyGgufOptions>, vocabularySize: number): Tensor[] {
  const random = randomGenerator(options.seed)
  const filled = (name: string, dims: number[], scale: number): Tensor => {
    const count = dims.reduce((product, dim) => product * dim, 1)
    const data = new Float32Array(count)
    for (let index = 0; index < count; index++) data[index] = (random() * 2 - 1) * scale
    return { name, dims, data }
  }
  const ones = (name: string, length: number): Tensor => ({
    name,
    dims: [length],
    data: new Float32Array(length).fill(1),
  })
  const embedding = options.embeddingLength
  const feedForward = options.feedForwardLength
  const tensors: Tensor[] = [filled('token_embd.weight', [embedding, vocabularySize], 0.5)]
  for (let block = 0; block < options.blockCount; block++) {
    const prefix = `blk.${block}`
    tensors.push(
      ones(`${prefix}.attn_norm.weight`, embedding),
      filled(`${prefix}.attn_q.weight`, [embedding, embedding], 0.2),
      filled(`${prefix}.attn_k.weight`, [embedding, embedding], 0.2),
      filled(`${prefix}.attn_v.weight`, [embedding, embedding], 0.2),
      filled(`${prefix}.attn_output.weight`, [embedding, embedding], 0.2),
      ones(`${prefix}.ffn_norm.weight`, embedding),
      filled(`${prefix}.ffn_gate.weight`, [embedding, feedForward], 0.2),
      filled(`${prefix}.ffn_up.weight`, [embedding, feedForward], 0.2),
      filled(`${prefix}.ffn_down.weight`, [feedForward, embedding], 0.2),
    )
  }
  tensors.push(
    ones('output_norm.weight', embedding),
    filled('output.weight', [embedding, vocabularySize], 0.5),
  )
  return tensors
}

class ByteWriter {
  private readonly chunks: Buffer[] = []
  length = 0

  push(buffer: Buffer): void {
    this.chunks.push(buffer)
    this.length += buffer.length
  }
  uint32(value: number): void {
    const buffer = Buffer.alloc(4)
    buffer.writeUInt32LE(value)
    this.push(buffer)
  }
  int32(value: number): void {
    const buffer = Buffer.alloc(4)
    buffer.writeInt32LE(value)
    this.push(buffer)
  }
  uint64(value: number): void {
    const buffer = Buffer.alloc(8)
    buffer.writeBigUInt64LE(BigInt(value))
    this.push(buffer)
  }
  float32(value: number): void {
    const buffer = Buffer.alloc(4)
    buffer.writeFloatLE(value)
    this.push(buffer)
  }
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8')
    this.uint64(bytes.length)
    this.push(bytes)
  }
  padTo(alignment: number): void {
    const remainder = this.length % alignment
    if (remainder !== 0) this.push(Buffer.alloc(alignment - remainder))
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length)
  }
}

function writeMetadataValue(writer: ByteWriter, entry: MetadataValue): void {
  writer.uint32(entry.type)
  if (entry.type === ValueType.Uint32) writer.uint32(entry.value)
  else if (entry.type === ValueType.Float32) writer.float32(entry.value)
  else if (entry.type === ValueType.String) writer.string(entry.value)
  else {
    writer.uint32(entry.elementType)
    writer.uint64(entry.value.length)
    for (const item of entry.value) {
      if (typeof item === 'string') writer.string(item)
      else if (entry.elementType === ValueType.Float32) writer.float32(item)
      else writer.int32(item)
    }
  }
}

/** Builds the GGUF bytes in memory (a few hundred KB with the defaults). */
export function buildTinyGguf(options: TinyGgufOptions = {}): Buffer {
  const settings = { ...DEFAULT_TINY_GGUF_OPTIONS, ...options }
  if (settings.embeddingLength % settings.headCount !== 0) {
    throw new RangeError('embeddingLength must be a multiple of headCount')
  }
  const vocabulary = buildVocabulary()
  const metadata: Array<[string, MetadataValue]> = [
    ['general.architecture', { type: ValueType.String, value: 'llama' }],
    ['general.name', { type: ValueType.String, value: 'localhub-tiny-test' }],
    ['general.alignment', { type: ValueType.Uint32, value: ALIGNMENT_BYTES }],
    ['llama.context_length', { type: ValueType.Uint32, value: settings.contextLength }],
    ['llama.embedding_length', { type: ValueType.Uint32, value: settings.embeddingLength }],
    ['llama.block_count', { type: ValueType.Uint32, value: settings.blockCount }],
    ['llama.feed_forward_length', { type: ValueType.Uint32, value: settings.feedForwardLength }],
    ['llama.attention.head_count', { type: ValueType.Uint32, value: settings.headCount }],
    ['llama.attention.head_count_kv', { type: ValueType.Uint32, value: settings.headCount }],
    [
      'llama.rope.dimension_count',
      { type: ValueType.Uint32, value: settings.embeddingLength / settings.headCount },
    ],
    ['llama.attention.layer_norm_rms_epsilon', { type: ValueType.Float32, value: 1e-5 }],
    ['tokenizer.ggml.model', { type: ValueType.String, value: 'llama' }],
    [
      'tokenizer.ggml.tokens',
      { type: ValueType.Array, elementType: ValueType.String, value: vocabulary.tokens },
    ],
    [
      'tokenizer.ggml.scores',
      { type: ValueType.Array, elementType: ValueType.Float32, value: vocabulary.tokens.map(() => 0) },
    ],
    [
      'tokenizer.ggml.token_type',
      { type: ValueType.Array, elementType: ValueType.Int32, value: vocabulary.types },
    ],
    ['tokenizer.ggml.bos_token_id', { type: ValueType.Uint32, value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: ValueType.Uint32, value: 2 }],
    ['tokenizer.ggml.unknown_token_id', { type: ValueType.Uint32, value: 0 }],
  ]
  const tensors = buildTensors(settings, vocabulary.tokens.length)

  const writer = new ByteWriter()
  writer.uint32(GGUF_MAGIC)
  writer.uint32(GGUF_VERSION)
  writer.uint64(tensors.length)
  writer.uint64(metadata.length)
  for (const [key, value] of metadata) {
    writer.string(key)
    writeMetadataValue(writer, value)
  }
  let offset = 0
  for (const tensor of tensors) {
    writer.string(tensor.name)
    writer.uint32(tensor.dims.length)
    for (const dim of tensor.dims) writer.uint64(dim)
    writer.uint32(GGML_TYPE_F32)
    writer.uint64(offset)
    offset += Math.ceil(tensor.data.byteLength / ALIGNMENT_BYTES) * ALIGNMENT_BYTES
  }
  writer.padTo(ALIGNMENT_BYTES)
  for (const tensor of tensors) {
    writer.push(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength))
    writer.padTo(ALIGNMENT_BYTES)
  }
  return writer.toBuffer()
}

/** Writes the tiny model to `path` and returns the path. */
export async function writeTinyGguf(path: string, options: TinyGgufOptions = {}): Promise<string> {
  await writeFile(path, buildTinyGguf(options))
  return path
}
