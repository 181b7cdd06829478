import { connect, type Socket } from 'node:net'
import { HubError } from '../../contracts/index.ts'
import { encodeWyomingEvent, parseWyomingUri, WyomingReader } from '../../wyoming/index.ts'
import type { RecognitionSession, Transcript } from './pocketsphinx.ts'

/**
 * Speech to text through a Wyoming service (faster-whisper, for one): `transcribe`, then
 * `audio-start`, `audio-chunk`s of 16 kHz mono pcm16 and `audio-stop`; the service answers
 * `transcript` (streaming services may send `transcript-chunk`s first, shown as partials). Wyoming
 * reports no confidence: the transcript's is 1.
 */
export function startWyomingStt(
  uri: string,
  language: string,
  signal: AbortSignal,
  onSegment: (textSoFar: string) => void,
): RecognitionSession {
  const { host, port } = parseWyomingUri(uri)
  const format = { rate: 16_000, width: 2, channels: 1 }
  const socket: Socket = connect({ host, port })
  const reader = new WyomingReader()
  let partial = ''
  const done = new Promise<Transcript>((resolve, reject) => {
    const fail = (error: unknown) => {
      socket.destroy()
      reject(error)
    }
    signal.addEventListener('abort', () => fail(signal.reason), { once: true })
    socket.on('error', (error) =>
      fail(
        new HubError(
          'E_DEPENDENCY_UNAVAILABLE',
          `the Wyoming STT service at ${uri} failed: ${error.message}`,
        ),
      ),
    )
    socket.on('close', () =>
      fail(
        new HubError(
          'E_DEPENDENCY_UNAVAILABLE',
          `the Wyoming STT service at ${uri} closed without a transcript`,
        ),
      ),
    )
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const event of reader.push(chunk)) {
          if (event.type === 'transcript-chunk' && typeof event.data.text === 'string') {
            partial += event.data.text
            onSegment(partial)
          } else if (event.type === 'transcript') {
            const text = typeof event.data.text === 'string' ? event.data.text.trim() : ''
            resolve({ text, confidence: text === '' ? 0 : 1 })
            socket.end()
          }
        }
      } catch (error) {
        fail(error)
      }
    })
  })
  done.catch(() => undefined)
  socket.write(encodeWyomingEvent('transcribe', { language: language.split('-')[0] }))
  socket.write(encodeWyomingEvent('audio-start', format))
  return {
    async write(pcm) {
      if (pcm.length === 0 || socket.destroyed) return
      if (!socket.write(encodeWyomingEvent('audio-chunk', format, pcm)))
        await new Promise<void>((resolve) => {
          socket.once('drain', resolve)
          socket.once('close', resolve)
        })
    },
    finish() {
      if (!socket.destroyed) socket.write(encodeWyomingEvent('audio-stop', {}))
      return done
    },
  }
}
