import { execFileSync, spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HubError } from '../../contracts/index.ts'

/** The Debian binary (package pocketsphinx) and its English model (package pocketsphinx-en-us). */
export const DEFAULT_POCKETSPHINX_BINARY = 'pocketsphinx_continuous'
export const POCKETSPHINX_INSTALL_HINT =
  'apt-get install -y pocketsphinx pocketsphinx-en-us (or: sudo bash scripts/setup-system.sh)'

export interface Transcript {
  text: string
  /** Mean posterior probability of the recognised words, 0 when none. */
  confidence: number
}

/** One recognition of 16 kHz mono pcm16 audio, fed while it streams in. */
export interface RecognitionSession {
  write(pcm: Buffer): Promise<void>
  /** Ends the audio and resolves with the whole transcript once the engine has finished. */
  finish(): Promise<Transcript>
}

// Words pocketsphinx reports that are not speech: sentence marks, silence, fillers, noise.
const NOT_SPEECH = /^(<s>|<\/s>|<sil>|\[.*\]|\+\+.*\+\+)$/
// A word line of `-time yes`: word, start s, end s, posterior.
const WORD_LINE = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/

/**
 * Reads pocketsphinx_continuous' stdout: each utterance it segments (by its own voice activity
 * detection) prints the hypothesis, then its words with times and posteriors.
 */
export class HypothesisReader {
  readonly #segments: string[] = []
  readonly #probabilities: number[] = []
  #rest = ''

  constructor(private readonly onSegment: (textSoFar: string) => void) {}

  push(chunk: string): void {
    const lines = (this.#rest + chunk).split('\n')
    this.#rest = lines.pop() ?? ''
    for (const line of lines) this.#line(line.trim())
  }

  end(): Transcript {
    if (this.#rest !== '') this.#line(this.#rest.trim())
    this.#rest = ''
    const confidence =
      this.#probabilities.length === 0
        ? 0
        : this.#probabilities.reduce((sum, value) => sum + value, 0) / this.#probabilities.length
    return { text: this.#segments.join(' '), confidence: Math.min(1, Math.max(0, confidence)) }
  }

  #line(line: string): void {
    if (line === '') return
    const word = WORD_LINE.exec(line)
    if (word !== null) {
      if (!NOT_SPEECH.test(word[1]!)) this.#probabilities.push(Number(word[4]))
      return
    }
    this.#segments.push(line)
    this.onSegment(this.#segments.join(' '))
  }
}

/** Starts pocketsphinx_continuous reading raw audio from its stdin; aborting kills it. */
export function startPocketsphinx(
  binary: string,
  signal: AbortSignal,
  onSegment: (textSoFar: string) => void,
): RecognitionSession {
  // pocketsphinx_continuous opens its input by name, and node's stdin pipes are sockets it cannot
  // open; a FIFO is a file it can. Opened read-write here, so the open never waits for the reader.
  const folder = mkdtempSync(join(tmpdir(), 'localhub-stt-'))
  const fifo = join(folder, 'audio.raw')
  execFileSync('mkfifo', ['-m', '600', fifo])
  const input = createWriteStream(fifo, { flags: 'r+' })
  const child = spawn(binary, ['-infile', fifo, '-logfn', '/dev/null', '-time', 'yes'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    signal,
  })
  child.once('close', () => {
    input.destroy()
    rmSync(folder, { recursive: true, force: true })
  })
  const reader = new HypothesisReader(onSegment)
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => reader.push(chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000)
  })
  // A dead engine is reported by `finish`; writes to it must not throw EPIPE elsewhere.
  input.on('error', () => undefined)
  const exited = new Promise<Transcript>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (signal.aborted) reject(signal.reason)
      else if (error.code === 'ENOENT')
        reject(
          new HubError(
            'E_DEPENDENCY_UNAVAILABLE',
            `${binary} is not installed: ${POCKETSPHINX_INSTALL_HINT}`,
          ),
        )
      else reject(new HubError('E_IO', `${binary} failed: ${error.message}`))
    })
    child.once('close', (code) => {
      if (signal.aborted) reject(signal.reason)
      else if (code !== 0)
        reject(
          new HubError('E_DEPENDENCY_UNAVAILABLE', `${binary} exited with ${code}: ${stderr.trim()}`.trim(), {
            details: { hint: POCKETSPHINX_INSTALL_HINT },
          }),
        )
      else resolve(reader.end())
    })
  })
  // Whoever is not waiting on `finish` yet must not see an unhandled rejection.
  exited.catch(() => undefined)
  return {
    async write(pcm) {
      if (pcm.length === 0 || input.destroyed) return
      if (!input.write(pcm))
        await new Promise<void>((resolve) => {
          input.once('drain', resolve)
          child.once('close', resolve)
        })
    },
    finish() {
      input.end()
      return exited
    },
  }
}
