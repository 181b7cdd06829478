// Audio a test satellite streams to the hub's wake-word spotter: a phrase spoken inside other
// speech (flite voices), streamed as audio-chunks at a multiple of real time.
import { silence, speak16k } from './wake-corpus.ts'
import type { WyomingSatellite } from './wyoming-satellite.ts'

export const CHUNK_MS = 100
/**
 * Times real time. The spotter and the endpointer count audio by its samples, not by the clock, so a
 * faster stream changes only how long a test waits for it (16 kHz pcm16 at 8x is 256 KB/s, half the
 * listen entry's 512 KiB/s limit).
 */
export const SPEED = 8
export const FORMAT = { rate: 16_000, width: 2, channels: 1 }
/** Words spoken before the wake phrase: a turn must not hear them. */
export const BEFORE_WORDS = ['plants', 'water', 'remember', 'leave']

export function words(text: unknown): string[] {
  return (
    String(text)
      .toLowerCase()
      .match(/[a-z']+/g) ?? []
  )
}

/** Streams 16 kHz mono audio as audio-chunks only (an always-streaming satellite sends no audio-start). */
export async function stream(satellite: WyomingSatellite, pcm: Buffer, startMs = 0): Promise<number> {
  const bytes = (16_000 * 2 * CHUNK_MS) / 1000
  let timestamp = startMs
  for (let offset = 0; offset < pcm.length; offset += bytes) {
    if (satellite.closed) break
    satellite.send('audio-chunk', { ...FORMAT, timestamp }, pcm.subarray(offset, offset + bytes))
    timestamp += CHUNK_MS
    await new Promise((resolve) => setTimeout(resolve, CHUNK_MS / SPEED))
  }
  return timestamp
}

/** Silence until `done` holds: the microphone keeps streaming while the hub answers. */
export async function streamSilenceUntil(
  satellite: WyomingSatellite,
  done: () => boolean,
  /** In audio milliseconds: 180 s of audio is 22.5 s of streaming at SPEED 8. */
  limitMs = 180_000,
): Promise<void> {
  for (let sent = 0; !done(); sent += CHUNK_MS) {
    if (sent > limitMs) throw new Error('gave up streaming silence')
    await stream(satellite, silence(CHUNK_MS))
  }
}

/** "hey jarvis" and a question, after other speech that must not reach the turn. */
export const phraseInSpeech = (question: string): Buffer =>
  Buffer.concat([
    silence(500),
    speak16k('please remember to water the plants before you leave', 'kal16'),
    silence(1200),
    speak16k('hey jarvis', 'slt'),
    silence(250),
    speak16k(question, 'slt'),
    silence(1500),
  ])
