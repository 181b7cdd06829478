import { crc32, deflate, deflateSync } from 'node:zlib'

/**
 * A PNG (RFC 2083 / ISO 15948) of 8-bit RGBA pixels: IHDR, one IDAT, IEND, every scanline with
 * filter type 0. Deflate level 1: the face is flat colours, so the fastest level is already small,
 * and encoding dominates the cost of a rendered frame (docs/decisions/1553).
 */
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const COLOUR_TYPE_RGBA = 6
const DEFLATE_LEVEL = 1

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const tail = Buffer.alloc(4)
  tail.writeUInt32BE(crc32(data, crc32(head.subarray(4))) >>> 0, 0)
  return Buffer.concat([head, data, tail])
}

function scanlines(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Buffer {
  const stride = width * 4
  if (rgba.length !== stride * height)
    throw new RangeError(
      `expected ${stride * height} bytes of RGBA for ${width}x${height}, got ${rgba.length}`,
    )
  const raw = Buffer.alloc((stride + 1) * height)
  const source = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength)
  for (let row = 0; row < height; row++)
    source.copy(raw, row * (stride + 1) + 1, row * stride, (row + 1) * stride)
  return raw
}

function assemble(width: number, height: number, compressed: Buffer): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8
  header[9] = COLOUR_TYPE_RGBA
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', compressed),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

export function encodePngSync(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Buffer {
  return assemble(width, height, deflateSync(scanlines(rgba, width, height), { level: DEFLATE_LEVEL }))
}

/** The same, with the compression on libuv's thread pool (the event loop stays free). */
export function encodePng(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
): Promise<Buffer> {
  const raw = scanlines(rgba, width, height)
  return new Promise((resolve, reject) =>
    deflate(raw, { level: DEFLATE_LEVEL }, (error, compressed) =>
      error === null ? resolve(assemble(width, height, compressed)) : reject(error),
    ),
  )
}
