import { uuidV7 } from '../../bus/index.ts'
import { type Envelope, HubError } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import { attachRunInbox, type RunEmitter, type RunState } from '../../skill-api/index.ts'
import type { PipelineRunner } from '../pipeline/index.ts'
// pipeline-triggers.ts imports voice-entry.ts, which imports this file: only the class is used, at run time.
import { Inbox } from './pipeline-triggers.ts'
import { durationMs, PcmNormalizer, VOICE_RUN_SAMPLE_RATE_HZ, type VoiceFormat } from './voice-audio.ts'
import { createEndpointer, type Endpointer } from './voice-endpointer.ts'

/** Longest utterance a client may stream, in milliseconds of audio. */
export const DEFAULT_VOICE_MAX_UTTERANCE_MS = 30_000
/** Audio bytes a session may receive per second (48 kHz f32 stereo in real time is 384 KiB/s). */
export const DEFAULT_VOICE_MAX_BYTES_PER_SECOND = 512 * 1024
/** An open utterance that gets no audio for this long ends with E_TIMEOUT (a stalled client). */
export const DEFAULT_VOICE_IDLE_MS = 5_000

export interface VoiceSessionLimits {
  maxUtteranceMs: number
  idleMs: number
  maxBytesPerSecond: number
}

export const DEFAULT_VOICE_SESSION_LIMITS: VoiceSessionLimits = Object.freeze({
  maxUtteranceMs: DEFAULT_VOICE_MAX_UTTERANCE_MS,
  idleMs: DEFAULT_VOICE_IDLE_MS,
  maxBytesPerSecond: DEFAULT_VOICE_MAX_BYTES_PER_SECOND,
})

export interface VoiceSessionOptions {
  runner: PipelineRunner
  /** A pipeline whose first step is `recv: voice.chunk` (pipeline.voice.turn). */
  pipeline: Pipeline
  /** Names the entry: the run's trigger route (`/ws/voice`, `wyoming://127.0.0.1:10700`). */
  route: string
  /** `source` of the voice.start and voice.end events the session emits (`ws`, `wyoming`). */
  source: string
  limits?: Partial<VoiceSessionLimits>
  /** When set, the hub ends each utterance itself after this much silence (WebRTC VAD). */
  endOfSpeechMs?: number
  /** Every event of every run of the session, in order, voice.end included. */
  onEvent(event: Envelope): void
  /** A problem the session found without a call to answer it (idle timeout, a gap in seq). */
  onError(error: HubError): void
}

interface Turn {
  readonly traceId: string
  readonly done: Promise<RunState>
}

interface Utterance {
  readonly traceId: string
  readonly inbox: Inbox
  readonly emitter: RunEmitter
  readonly format: VoiceFormat
  readonly normalizer: PcmNormalizer
  readonly endpointer: Endpointer | undefined
  nextSeq: number
  audioMs: number
}

/**
 * One voice session, whatever carries its audio (/ws/voice, a Wyoming satellite, a wake-word
 * detector): `start` opens an utterance and starts a run of the voice pipeline (cancelling the
 * previous turn if it still runs: barge-in), `push` feeds audio in the utterance's format, `end`
 * closes it. The run reads 16 kHz mono pcm16 through its inbox. Calls are handled one after
 * another. Refusals throw HubError; limits end the utterance and cancel its run.
 */
export class VoiceSession {
  readonly sessionId = `session-${uuidV7()}`
  readonly #options: VoiceSessionOptions
  readonly #limit: VoiceSessionLimits
  #turn: Turn | undefined
  #utterance: Utterance | undefined
  // The hub ended the last utterance (end of speech found, or a limit reached): its trailing audio
  // and the client's own end are dropped without an error until the next start.
  #endedByHub = false
  #closed = false
  #idleTimer: NodeJS.Timeout | undefined
  #windowStartedAt = 0
  #windowBytes = 0
  #queue: Promise<unknown> = Promise.resolve()

  constructor(options: VoiceSessionOptions) {
    this.#options = options
    this.#limit = { ...DEFAULT_VOICE_SESSION_LIMITS, ...options.limits }
  }

  /** An utterance is open: audio is expected. */
  get listening(): boolean {
    return this.#utterance !== undefined
  }

  /** The trace of the turn that runs now (listening, thinking or speaking), if any. */
  get traceId(): string | undefined {
    return this.#turn?.traceId
  }

  /** Milliseconds of audio received in the open utterance (0 when none is open). */
  get audioMs(): number {
    return this.#utterance?.audioMs ?? 0
  }

  /** Opens an utterance in `format`; answers the new run's traceId (undefined if the session closed meanwhile). */
  start(format: VoiceFormat): Promise<string | undefined> {
    return this.#serial(() => this.#start(format))
  }

  /** Audio of the open utterance; `seq` (when the transport numbers chunks) is checked for gaps. */
  push(bytes: Buffer, seq?: number): Promise<void> {
    return this.#serial(() => this.#push(bytes, seq))
  }

  /** The person stopped speaking; `totalMs` is what the client measured (default: the audio received). */
  end(totalMs?: number): Promise<void> {
    return this.#serial(() => this.#end(totalMs))
  }

  /** Cancels the running turn (and its open utterance), e.g. the satellite asked to stop. */
  cancel(reason: string): void {
    this.#dropUtterance()
    if (this.#turn !== undefined) this.#options.runner.cancel({ traceId: this.#turn.traceId }, reason)
  }

  /** The transport went away: the turn is cancelled, nothing more is accepted. */
  close(reason = 'ended: the client went away'): void {
    this.#closed = true
    this.cancel(reason)
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work)
    this.#queue = next.catch(() => undefined)
    return next
  }

  async #start(format: VoiceFormat): Promise<string | undefined> {
    if (this.#closed) throw new HubError('E_BAD_REQUEST', 'the voice session is closed')
    if (this.#utterance !== undefined)
      throw new HubError('E_BAD_REQUEST', 'voice.start while an utterance is open: send voice.end first')
    const { runner, pipeline, route, source, endOfSpeechMs } = this.#options
    const endpointer = endOfSpeechMs === undefined ? undefined : await createEndpointer(endOfSpeechMs)
    this.#endedByHub = false
    if (this.#turn !== undefined) {
      // Barge-in: the person speaks while the previous turn thinks or speaks.
      const previous = this.#turn
      runner.cancel({ traceId: previous.traceId }, 'interrupted: the person spoke again (barge-in)')
      await previous.done
    }
    // The client may have gone while this start waited for the previous turn to end.
    if (this.#closed) {
      endpointer?.close()
      return undefined
    }
    const traceId = uuidV7()
    const inbox = new Inbox()
    const done = runner.run({
      pipeline,
      trigger: { kind: 'ws', route },
      traceId,
      sessionId: this.sessionId,
      signal: new AbortController().signal,
      receive: (pattern, signal) => inbox.take(pattern, signal),
      onEvent: (event) => this.#options.onEvent(event),
    })
    const turn: Turn = { traceId, done }
    this.#turn = turn
    void done.finally(() => {
      if (this.#turn === turn) this.#turn = undefined
      if (this.#utterance?.traceId === traceId) this.#dropUtterance()
    })
    // The runner registers a run before its first await, so it is listed now.
    const run = runner.active().find((candidate) => candidate.traceId === traceId)
    const emitter = run === undefined ? undefined : runner.emitterOf(run)
    if (run === undefined || emitter === undefined)
      throw new HubError('E_UNKNOWN', `the voice run ${traceId} ended before it started`)
    attachRunInbox(run, inbox)
    this.#utterance = {
      traceId,
      inbox,
      emitter,
      format,
      normalizer: new PcmNormalizer(format),
      endpointer,
      nextSeq: 0,
      audioMs: 0,
    }
    this.#watchIdle()
    await emitter.emitUntyped('voice.start', { ...format }, { source })
    inbox.push(
      this.#envelope('voice.start', traceId, {
        sampleRate: VOICE_RUN_SAMPLE_RATE_HZ,
        format: 'pcm16',
        channels: 1,
      }),
    )
    return traceId
  }

  async #push(bytes: Buffer, claimedSeq: number | undefined): Promise<void> {
    const utterance = this.#utterance
    if (utterance === undefined && this.#endedByHub) return
    if (utterance === undefined)
      throw new HubError('E_BAD_REQUEST', 'audio arrived outside an utterance: send voice.start first')
    this.#watchIdle()
    this.#meter(bytes.length, utterance)
    const seq = claimedSeq ?? utterance.nextSeq
    if (seq < utterance.nextSeq)
      throw new HubError(
        'E_VALIDATION',
        `voice.chunk seq ${seq} arrived after seq ${utterance.nextSeq - 1}: late or repeated audio is dropped`,
        { details: { expected: utterance.nextSeq, got: seq, kind: 'reordered' } },
      )
    // Checked before the seq is counted: a refused chunk leaves no gap.
    const pcm = utterance.normalizer.push(bytes)
    if (seq > utterance.nextSeq)
      this.#options.onError(
        new HubError(
          'E_VALIDATION',
          utterance.nextSeq === 0
            ? `voice.chunk seq ${seq} is the utterance's first chunk, which has seq 0: ${seq} chunk(s) missing`
            : `voice.chunk seq ${seq} follows seq ${utterance.nextSeq - 1}: ${seq - utterance.nextSeq} chunk(s) missing`,
          { details: { expected: utterance.nextSeq, got: seq, kind: 'gap' } },
        ),
      )
    utterance.nextSeq = seq + 1
    utterance.audioMs += durationMs(bytes.length, utterance.format)
    if (utterance.audioMs > this.#limit.maxUtteranceMs)
      this.#abandon(
        utterance,
        new HubError('E_RESOURCE_LIMIT', `an utterance is at most ${this.#limit.maxUtteranceMs} ms of audio`),
      )
    const ms = Math.max(1, Math.round((pcm.length / 2 / VOICE_RUN_SAMPLE_RATE_HZ) * 1000))
    utterance.inbox.push(
      this.#envelope('voice.chunk', utterance.traceId, { seq, bytesB64: pcm.toString('base64'), ms }),
    )
    if (utterance.endpointer?.push(pcm) === true) {
      this.#endedByHub = true
      await this.#finish(utterance, Math.round(utterance.audioMs))
    }
  }

  async #end(totalMs: number | undefined): Promise<void> {
    const utterance = this.#utterance
    if (utterance === undefined && this.#endedByHub) return
    if (utterance === undefined) throw new HubError('E_BAD_REQUEST', 'voice.end without voice.start')
    if (utterance.audioMs === 0)
      this.#abandon(utterance, new HubError('E_VALIDATION', 'the utterance ended without any audio'))
    await this.#finish(utterance, totalMs ?? Math.round(utterance.audioMs))
  }

  /** Ends the open utterance with E_TIMEOUT when no audio comes for `idleMs`. */
  #watchIdle(): void {
    clearTimeout(this.#idleTimer)
    const utterance = this.#utterance
    this.#idleTimer = setTimeout(() => {
      void this.#serial(async () => {
        if (this.#utterance !== utterance || utterance === undefined) return
        try {
          this.#abandon(
            utterance,
            new HubError('E_TIMEOUT', `no audio for ${this.#limit.idleMs} ms: the utterance ended`),
          )
        } catch (error) {
          this.#options.onError(error as HubError)
        }
      })
    }, this.#limit.idleMs)
    this.#idleTimer.unref()
  }

  /** Closes the utterance: voice.end in the run's chain and in its inbox. */
  async #finish(utterance: Utterance, totalMs: number): Promise<void> {
    this.#dropUtterance()
    await utterance.emitter.emitUntyped('voice.end', { totalMs }, { source: this.#options.source })
    utterance.inbox.push(this.#envelope('voice.end', utterance.traceId, { totalMs }))
  }

  /** Bytes per second over one-second windows; over the limit the utterance is abandoned. */
  #meter(bytes: number, utterance: Utterance): void {
    const now = Date.now()
    if (now - this.#windowStartedAt >= 1000) {
      this.#windowStartedAt = now
      this.#windowBytes = 0
    }
    this.#windowBytes += bytes
    if (this.#windowBytes > this.#limit.maxBytesPerSecond)
      this.#abandon(
        utterance,
        new HubError(
          'E_RESOURCE_LIMIT',
          `a connection sends at most ${this.#limit.maxBytesPerSecond} audio bytes per second`,
        ),
      )
  }

  /** Ends the utterance and cancels its run, then throws the reason for the client. */
  #abandon(utterance: Utterance, reason: HubError): never {
    this.#dropUtterance()
    this.#endedByHub = true
    this.#options.runner.cancel({ traceId: utterance.traceId }, `stopped: ${reason.message}`, reason.code)
    throw reason
  }

  #dropUtterance(): void {
    clearTimeout(this.#idleTimer)
    this.#utterance?.endpointer?.close()
    this.#utterance = undefined
  }

  #envelope(type: string, traceId: string, payload: Record<string, unknown>): Envelope {
    return {
      id: uuidV7(),
      type,
      version: 1,
      ts: new Date().toISOString(),
      source: this.#options.source,
      severity: 'info',
      traceId,
      sessionId: this.sessionId,
      tenant: 'default',
      payload,
    } as Envelope
  }
}
