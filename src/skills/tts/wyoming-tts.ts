import { connect } from 'node:net'
import { HubError } from '../../contracts/index.ts'
import { encodeWyomingEvent, parseWyomingUri, WyomingReader } from '../../wyoming/index.ts'
import type { Speech } from './flite.ts'

/**
 * Speaks one sentence through a Wyoming TTS service (Piper's `wyoming-piper`): `synthesize {text,
 * voice}`, answered by `audio-start {rate, width, channels}`, `audio-chunk`s and `audio-stop`.
 * Wyoming carries no phone timings, so the speech has none (no visemes).
 */
export function speakWithWyoming(
  uri: string,
  voice: string,
  text: string,
  signal: AbortSignal,
): Promise<Speech> {
  const { host, port } = parseWyomingUri(uri)
  return new Promise<Speech>((resolve, reject) => {
    const socket = connect({ host, port })
    const reader = new WyomingReader()
    const chunks: Buffer[] = []
    let format: { rate: number; width: number; channels: number } | undefined
    const fail = (error: unknown) => {
      socket.destroy()
      reject(error)
    }
    const abort = () => fail(signal.reason)
    signal.addEventListener('abort', abort, { once: true })
    socket.once('close', () => signal.removeEventListener('abort', abort))
    socket.on('error', (error) =>
      fail(
        new HubError(
          'E_DEPENDENCY_UNAVAILABLE',
          `the Wyoming TTS service at ${uri} failed: ${error.message}`,
        ),
      ),
    )
    socket.on('close', () =>
      fail(
        new HubError(
          'E_DEPENDENCY_UNAVAILABLE',
          `the Wyoming TTS service at ${uri} closed before audio-stop`,
        ),
      ),
    )
    socket.on('data', (data: Buffer) => {
      try {
        for (const event of reader.push(data)) {
          if (event.type === 'audio-start') {
            const { rate, width, channels } = event.data
            if (width !== 2 || channels !== 1 || typeof rate !== 'number' || !Number.isInteger(rate))
              throw new HubError(
                'E_IO',
                `the Wyoming TTS service sent ${String(channels)} channel(s) of width ${String(width)}; the hub plays 16-bit mono`,
              )
            format = { rate, width, channels }
          } else if (event.type === 'audio-chunk' && event.payload !== undefined) {
            if (format === undefined)
              throw new HubError('E_IO', 'the Wyoming TTS service sent audio before audio-start')
            chunks.push(event.payload)
          } else if (event.type === 'audio-stop') {
            if (format === undefined) throw new HubError('E_IO', 'the Wyoming TTS service sent no audio')
            resolve({ sampleRate: format.rate, pcm: Buffer.concat(chunks), phones: [] })
            socket.end()
          }
        }
      } catch (error) {
        fail(error)
      }
    })
    socket.write(encodeWyomingEvent('synthesize', { text, voice: { name: voice } }))
  })
}
