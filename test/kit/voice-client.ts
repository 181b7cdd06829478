// A client of the hub's voice protocol (docs/voice.md) and the speech tools the voice tests drive:
// flite speaks a sentence to a WAV, pocketsphinx transcribes audio back.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'

export interface VoiceFrame {
  type: string
  traceId?: string
  payload: Record<string, unknown>
}

/** How long a voice test waits for a frame unless told otherwise. */
export const DEFAULT_VOICE_FRAME_TIMEOUT_MS = 20_000

export class VoiceClient {
  readonly frames: VoiceFrame[] = []
  readonly #waiters = new Set<() => boolean>()
  closeCode: number | undefined

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as VoiceFrame)
      for (const waiter of [...this.#waiters]) if (waiter()) this.#waiters.delete(waiter)
    })
    socket.on('close', (code) => {
      this.closeCode = code
      for (const waiter of [...this.#waiters]) if (waiter()) this.#waiters.delete(waiter)
    })
  }

  static async connect(hubUrl: string, token: string, path = '/ws/voice'): Promise<VoiceClient> {
    const socket = new WebSocket(`${hubUrl.replace('http', 'ws')}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const client = new VoiceClient(socket)
    await new Promise((resolve, reject) => {
      socket.once('open', resolve)
      socket.once('error', reject)
    })
    return client
  }

  send(type: string, payload: unknown): void {
    this.socket.send(JSON.stringify({ type, payload }))
  }

  sendRaw(data: string | Buffer, binary = typeof data !== 'string'): void {
    this.socket.send(data, { binary })
  }

  /** The first frame (already received or future) that matches, after index `from`. */
  next(
    predicate: (frame: VoiceFrame) => boolean,
    what: string,
    from = 0,
    timeoutMs = DEFAULT_VOICE_FRAME_TIMEOUT_MS,
  ) {
    const find = () => this.frames.slice(from).find(predicate)
    const found = find()
    if (found !== undefined) return Promise.resolve(found)
    return new Promise<VoiceFrame>((resolve, reject) => {
      const waiter = () => {
        const frame = find()
        if (frame === undefined) return false
        clearTimeout(timer)
        resolve(frame)
        return true
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        const seen = this.frames.map((frame) => frame.type).join(', ')
        reject(new Error(`timed out waiting for ${what} (seen: ${seen || 'nothing'})`))
      }, timeoutMs)
      this.#waiters.add(waiter)
    })
  }

  /** An error.raised frame of the entry (not of a run) after index `from`. */
  entryError(from: number, what: string, code?: string): Promise<VoiceFrame> {
    return this.next(
      (frame) =>
        frame.type === 'error.raised' &&
        frame.payload.where !== undefined &&
        (code === undefined || frame.payload.code === code),
      what,
      from,
    )
  }

  closed(): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode)
    return new Promise((resolve) => this.socket.once('close', (code) => resolve(code)))
  }

  close(): void {
    this.socket.close()
  }
}

/** Streams pcm16 audio as voice.chunk messages of `chunkMs`, paced in real time when asked. */
export async function streamUtterance(
  client: VoiceClient,
  audio: { sampleRate: number; pcm: Buffer; format?: 'pcm16' | 'f32'; channels?: number },
  options: { chunkMs?: number; realTime?: boolean; binary?: boolean } = {},
): Promise<void> {
  const format = audio.format ?? 'pcm16'
  const channels = audio.channels ?? 1
  const frame = (format === 'pcm16' ? 2 : 4) * channels
  const chunkMs = options.chunkMs ?? 100
  const chunkBytes = Math.round((audio.sampleRate * chunkMs) / 1000) * frame
  client.send('voice.start', { sampleRate: audio.sampleRate, format, channels })
  const started = performance.now()
  let seq = 0
  for (let offset = 0; offset < audio.pcm.length; offset += chunkBytes) {
    const piece = audio.pcm.subarray(offset, offset + chunkBytes)
    if (options.binary === true) client.sendRaw(piece, true)
    else client.send('voice.chunk', { seq, bytesB64: piece.toString('base64'), ms: chunkMs })
    seq++
    if (options.realTime === true) {
      const due = started + seq * chunkMs
      const wait = due - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }
  client.send('voice.end', { totalMs: Math.round((audio.pcm.length / frame / audio.sampleRate) * 1000) })
}

/** Reads a mono 16-bit WAV file (what flite writes). */
export function readWave(path: string): { sampleRate: number; pcm: Buffer } {
  const file = readFileSync(path)
  let offset = 12
  let sampleRate = 0
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4)
    const size = file.readUInt32LE(offset + 4)
    if (id === 'fmt ') sampleRate = file.readUInt32LE(offset + 12)
    if (id === 'data') return { sampleRate, pcm: file.subarray(offset + 8, offset + 8 + size) }
    offset += 8 + size + (size % 2)
  }
  throw new Error(`${path} has no data chunk`)
}

/** flite (Debian) speaks `text` into a 16 kHz mono WAV at `path`. */
export function speakToWave(text: string, path: string, voice = 'slt'): { sampleRate: number; pcm: Buffer } {
  execFileSync('flite', ['-voice', voice, '-t', text, '-o', path])
  return readWave(path)
}

/** pocketsphinx (Debian) transcribes 16 kHz mono pcm16. */
export function transcribe(pcm: Buffer): string {
  // pocketsphinx opens its input by name; node's stdin pipes are sockets it cannot open.
  const folder = mkdtempSync(join(tmpdir(), 'localhub-transcribe-'))
  try {
    const file = join(folder, 'audio.raw')
    writeFileSync(file, pcm)
    const result = spawnSync('pocketsphinx_continuous', ['-infile', file, '-logfn', '/dev/null'], {
      encoding: 'utf8',
    })
    return result.stdout.split('\n').filter(Boolean).join(' ')
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}

/** The same audio at another rate, channel count and sample format (linear interpolation). */
export function convertAudio(
  audio: { sampleRate: number; pcm: Buffer },
  to: { sampleRate: number; format: 'pcm16' | 'f32'; channels: number },
): Buffer {
  const input = audio.pcm.length / 2
  const count = Math.floor(((input - 1) * to.sampleRate) / audio.sampleRate)
  const frame = (to.format === 'pcm16' ? 2 : 4) * to.channels
  const out = Buffer.alloc(count * frame)
  for (let index = 0; index < count; index++) {
    const position = (index * audio.sampleRate) / to.sampleRate
    const left = Math.floor(position)
    const fraction = position - left
    const a = audio.pcm.readInt16LE(left * 2)
    const b = audio.pcm.readInt16LE(Math.min(input - 1, left + 1) * 2)
    const value = (a * (1 - fraction) + b * fraction) / 32768
    for (let channel = 0; channel < to.channels; channel++) {
      const at = index * frame + channel * (frame / to.channels)
      if (to.format === 'f32') out.writeFloatLE(value, at)
      else out.writeInt16LE(Math.round(value * 32767), at)
    }
  }
  return out
}
