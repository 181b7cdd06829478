// A Wyoming ASR service written from the protocol's published description (one JSON header line,
// then data and payload bytes): it records what it receives and, on audio-stop, answers with
// optional transcript-chunks and a transcript.
import { createServer, type Server, type Socket } from 'node:net'
import { encodeWyomingEvent, type WyomingEvent, WyomingReader } from '../../src/wyoming/index.ts'

export interface WyomingAsrPeer {
  uri: string
  received: WyomingEvent[]
  close(): Promise<void>
}

export async function startWyomingAsrPeer(
  options: { transcript?: (audioBytes: number) => string; chunks?: string[]; hangUp?: boolean } = {},
): Promise<WyomingAsrPeer> {
  const received: WyomingEvent[] = []
  const server: Server = createServer((socket: Socket) => {
    const reader = new WyomingReader()
    let audioBytes = 0
    socket.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) {
        received.push(event)
        audioBytes += event.payload?.length ?? 0
        if (event.type !== 'audio-stop') continue
        if (options.hangUp === true) return socket.destroy()
        for (const text of options.chunks ?? [])
          socket.write(encodeWyomingEvent('transcript-chunk', { text }))
        const text = options.transcript?.(audioBytes) ?? ` heard ${audioBytes} bytes `
        // Header with inline data, as some services write it.
        socket.write(`${JSON.stringify({ type: 'transcript', data: { text } })}\n`)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    uri: `tcp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((done) => server.close(() => done())),
  }
}

export interface WyomingTtsPeer {
  uri: string
  received: WyomingEvent[]
  close(): Promise<void>
}

/** A Wyoming TTS service: answers `synthesize` with a 440 Hz tone of 50 ms per character, in chunks. */
export async function startWyomingTtsPeer(
  options: { rate?: number; channels?: number; hangUp?: boolean } = {},
): Promise<WyomingTtsPeer> {
  const received: WyomingEvent[] = []
  const rate = options.rate ?? 22_050
  const channels = options.channels ?? 1
  const server: Server = createServer((socket: Socket) => {
    const reader = new WyomingReader()
    socket.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) {
        received.push(event)
        if (event.type !== 'synthesize') continue
        if (options.hangUp === true) return socket.destroy()
        const samples = Math.round(rate * 0.05 * String(event.data.text).length)
        const pcm = Buffer.alloc(samples * 2 * channels)
        for (let index = 0; index < samples * channels; index++)
          pcm.writeInt16LE(
            Math.round(8000 * Math.sin((2 * Math.PI * 440 * Math.floor(index / channels)) / rate)),
            index * 2,
          )
        const format = { rate, width: 2, channels }
        socket.write(encodeWyomingEvent('audio-start', format))
        const half = Math.floor(samples / 2) * 2 * channels
        socket.write(encodeWyomingEvent('audio-chunk', format, pcm.subarray(0, half)))
        socket.write(encodeWyomingEvent('audio-chunk', format, pcm.subarray(half)))
        socket.write(encodeWyomingEvent('audio-stop', {}))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    uri: `tcp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((done) => server.close(() => done())),
  }
}
