import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HubError } from '../../contracts/index.ts'

export const DEFAULT_FLITE_BINARY = 'flite'
export const DEFAULT_FLITE_VOICE = 'slt'
export const FLITE_INSTALL_HINT = 'apt-get install -y flite (or: sudo bash scripts/setup-system.sh)'

export interface Phone {
  phone: string
  /** End of the phone from the start of the sentence's audio, in milliseconds. */
  endMs: number
}

export interface Speech {
  sampleRate: number
  /** Mono pcm16 samples. */
  pcm: Buffer
  phones: Phone[]
}

/** Reads flite's `-psdur` output: `pau:0.164 hh:0.255 …` (phone and end time in seconds). */
export function parsePhoneDurations(text: string): Phone[] {
  const phones: Phone[] = []
  for (const token of text.split(/\s+/)) {
    const match = /^([a-z]+):(\d+(?:\.\d+)?)$/.exec(token)
    if (match !== null) phones.push({ phone: match[1]!, endMs: Math.round(Number(match[2]) * 1000) })
  }
  return phones
}

/** The sample rate and pcm16 mono samples of a RIFF/WAVE file (what flite writes). */
export function readWave(file: Buffer): { sampleRate: number; pcm: Buffer } {
  if (file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE')
    throw new HubError('E_IO', 'the synthesiser did not write a WAVE file')
  let offset = 12
  let sampleRate = 0
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4)
    const size = file.readUInt32LE(offset + 4)
    const body = offset + 8
    if (id === 'fmt ') {
      const format = file.readUInt16LE(body)
      const channels = file.readUInt16LE(body + 2)
      const bits = file.readUInt16LE(body + 14)
      if (format !== 1 || channels !== 1 || bits !== 16)
        throw new HubError(
          'E_IO',
          `the synthesiser wrote ${channels} channel(s) of ${bits}-bit format ${format}`,
        )
      sampleRate = file.readUInt32LE(body + 4)
    } else if (id === 'data') {
      if (sampleRate === 0) throw new HubError('E_IO', 'the WAVE file has data before its format')
      return { sampleRate, pcm: file.subarray(body, Math.min(file.length, body + size)) }
    }
    offset = body + size + (size % 2)
  }
  throw new HubError('E_IO', 'the WAVE file has no data')
}

/** Speaks one sentence with flite; aborting kills it. */
export async function speakWithFlite(
  binary: string,
  voice: string,
  text: string,
  signal: AbortSignal,
): Promise<Speech> {
  const folder = await mkdtemp(join(tmpdir(), 'localhub-tts-'))
  const output = join(folder, 'speech.wav')
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        binary,
        ['-voice', voice, '-psdur', '-t', text, '-o', output],
        { signal, maxBuffer: 4 * 1024 * 1024 },
        (error, out) => {
          if (error === null) return resolve(out)
          if (signal.aborted) return reject(signal.reason)
          if ((error as NodeJS.ErrnoException).code === 'ENOENT')
            return reject(
              new HubError('E_DEPENDENCY_UNAVAILABLE', `${binary} is not installed: ${FLITE_INSTALL_HINT}`),
            )
          reject(new HubError('E_DEPENDENCY_UNAVAILABLE', `${binary} failed: ${error.message}`))
        },
      )
    })
    const { sampleRate, pcm } = readWave(await readFile(output))
    return { sampleRate, pcm, phones: parsePhoneDurations(stdout) }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}
