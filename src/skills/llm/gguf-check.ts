// Walks a GGUF file's header (metadata and tensor table) before llama.cpp sees it: the native
// loader in @fugood/llama.node 1.7.15 crashes the whole process (SIGSEGV) on a malformed file,
// so a file that does not parse here is refused with a clear error instead.
import { open } from 'node:fs/promises'
import { HubError } from '../../contracts/index.ts'

const GGUF_MAGIC = 'GGUF'
const MAX_COUNT = 10_000_000
const MAX_STRING_BYTES = 64 * 1024 * 1024
const MAX_DIMENSIONS = 8
const READ_CHUNK_BYTES = 1024 * 1024
// Byte sizes of the scalar metadata value types, by GGUF type id.
const SCALAR_BYTES: Readonly<Record<number, number>> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
}
const TYPE_STRING = 8
const TYPE_ARRAY = 9

export interface GgufSummary {
  version: number
  tensorCount: number
  metadataCount: number
  architecture: string | undefined
}

class FileCursor {
  private buffer = Buffer.alloc(0)
  private bufferStart = 0
  position = 0

  constructor(
    private readonly handle: Awaited<ReturnType<typeof open>>,
    readonly size: number,
  ) {}

  private async ensure(bytes: number): Promise<void> {
    if (this.position + bytes > this.size)
      throw new Error(`file ends inside the header (at byte ${this.position})`)
    const have = this.bufferStart + this.buffer.length - this.position
    if (have >= bytes) return
    const length = Math.min(this.size - this.position, Math.max(bytes, READ_CHUNK_BYTES))
    const chunk = Buffer.alloc(length)
    await this.handle.read(chunk, 0, length, this.position)
    this.buffer = chunk
    this.bufferStart = this.position
  }

  async bytes(count: number): Promise<Buffer> {
    await this.ensure(count)
    const offset = this.position - this.bufferStart
    this.position += count
    return this.buffer.subarray(offset, offset + count)
  }

  async uint32(): Promise<number> {
    return (await this.bytes(4)).readUInt32LE(0)
  }

  async uint64(): Promise<number> {
    const value = (await this.bytes(8)).readBigUInt64LE(0)
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('a 64-bit count is implausibly large')
    return Number(value)
  }

  async skip(count: number): Promise<void> {
    if (this.position + count > this.size)
      throw new Error(`file ends inside the header (at byte ${this.position})`)
    this.position += count
  }

  async string(): Promise<string> {
    const length = await this.uint64()
    if (length > MAX_STRING_BYTES) throw new Error('a string is implausibly long')
    return (await this.bytes(length)).toString('utf8')
  }
}

function bounded(count: number, what: string): number {
  if (count > MAX_COUNT) throw new Error(`${what} count ${count} is implausible`)
  return count
}

async function skipValue(cursor: FileCursor, type: number, depth = 0): Promise<string | undefined> {
  if (type === TYPE_STRING) return cursor.string()
  const scalar = SCALAR_BYTES[type]
  if (scalar !== undefined) {
    await cursor.skip(scalar)
    return undefined
  }
  if (type !== TYPE_ARRAY || depth > 2) throw new Error(`unknown metadata value type ${type}`)
  const elementType = await cursor.uint32()
  const count = bounded(await cursor.uint64(), 'array')
  const elementBytes = SCALAR_BYTES[elementType]
  if (elementBytes !== undefined) await cursor.skip(count * elementBytes)
  else for (let index = 0; index < count; index++) await skipValue(cursor, elementType, depth + 1)
  return undefined
}

/** Parses the header of `path`; throws E_DEPENDENCY_UNAVAILABLE saying what is wrong with the file. */
export async function checkGgufFile(path: string): Promise<GgufSummary> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    const cursor = new FileCursor(handle, size)
    if ((await cursor.bytes(4)).toString('latin1') !== GGUF_MAGIC)
      throw new Error('it does not start with "GGUF"')
    const version = await cursor.uint32()
    if (version < 2 || version > 3) throw new Error(`GGUF version ${version} is not supported`)
    const tensorCount = bounded(await cursor.uint64(), 'tensor')
    const metadataCount = bounded(await cursor.uint64(), 'metadata')
    let architecture: string | undefined
    for (let index = 0; index < metadataCount; index++) {
      const key = await cursor.string()
      const value = await skipValue(cursor, await cursor.uint32())
      if (key === 'general.architecture') architecture = value
    }
    for (let index = 0; index < tensorCount; index++) {
      await cursor.string()
      const dimensions = await cursor.uint32()
      if (dimensions === 0 || dimensions > MAX_DIMENSIONS)
        throw new Error(`a tensor has ${dimensions} dimensions`)
      for (let dimension = 0; dimension < dimensions; dimension++) await cursor.uint64()
      await cursor.uint32()
      if ((await cursor.uint64()) >= size)
        throw new Error('a tensor starts past the end of the file (truncated?)')
    }
    if (architecture === undefined) throw new Error('general.architecture is missing')
    return { version, tensorCount, metadataCount, architecture }
  } catch (error) {
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `${path} is not a usable GGUF model: ${(error as Error).message}`,
      {
        details: { path, reason: 'model-invalid', retryable: false },
        cause: error,
      },
    )
  } finally {
    await handle.close()
  }
}
