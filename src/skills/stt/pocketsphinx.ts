import { spawn } from 'node:child_process'
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

/**
 * Starts pocketsphinx_continuous reading raw audio from its stdin; aborting kills it. It opens its
 * input by name (`/dev/stdin`), which fails on the sockets node gives a child as stdin, so a `cat`
 * in front of it turns the socket into a pipe; both run in their own process group.
 */
export function startPocketsphinx(
  binary: string,
  signal: AbortSignal,
  onSegment: (textSoFar: string) => void,
): RecognitionSession {
  const child = spawn('sh', ['-c', 'cat | exec "$0" -infile /dev/stdin -logfn /dev/null -time yes', binary], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  })
  const kill = () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
  }
  signal.addEventListener('abort', kill, { once: true })
  if (signal.aborted) kill()
  const reader = new HypothesisReader(onSegment)
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => reader.push(chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000)
  })
  // A dead engine is reported by `finish`; writes to it must not throw EPIPE elsewhere.
  child.stdin.on('error', () => undefined)
  const exited = new Promise<Transcript>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new HubError('E_IO', `sh failed to start ${binary}: ${error.message}`)),
    )
    child.once('close', (code) => {
      signal.removeEventListener('abort', kill)
      if (signal.aborted) reject(signal.reason)
      // 127: the shell found no such command.
      else if (code === 127)
        reject(
          new HubError(
            'E_DEPENDENCY_UNAVAILABLE',
            `${binary} is not installed: ${POCKETSPHINX_INSTALL_HINT}`,
          ),
        )
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
      if (pcm.length === 0 || child.stdin.destroyed) return
      if (!child.stdin.write(pcm))
        await new Promise<void>((resolve) => {
          child.stdin.once('drain', resolve)
          child.once('close', resolve)
        })
    },
    finish() {
      child.stdin.end()
      return exited
    },
  }
}
